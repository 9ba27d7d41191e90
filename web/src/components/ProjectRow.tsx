// ProjectRow.tsx — one project in the documents page's list: its name (a link that opens it),
// owner, visibility, last change, the caller's role, and Delete for its owner.
import type { ProjectInfo } from '../api'
import { relativeTime } from '../relativeTime'
import { navigate, projectHref } from '../router'
import { RoleBadge } from './RoleBadge'

interface Props {
  project: ProjectInfo
  onDelete: (project: ProjectInfo) => void
}

export function ProjectRow ({ project, onDelete }: Props) {
  const href = projectHref(project.id)
  const owner = project.role === 'owner'
  return (
    <li className='doc-row' data-project-id={project.id}>
      <a
        className='doc-title'
        href={href}
        onClick={(e) => {
          if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return
          e.preventDefault()
          navigate(href)
        }}
      >
        <span className='doc-icon' aria-hidden='true'>▣</span>
        <span className='doc-name'>{project.name}</span>
      </a>
      <span className='doc-meta doc-language'>Project</span>
      <span className='doc-meta doc-owner'>{owner ? 'you' : project.owner?.username ?? '—'}</span>
      <span className='doc-meta doc-visibility'>{project.is_public ? 'Public' : 'Private'}</span>
      <span className='doc-meta doc-updated' title={new Date(project.updated_at).toLocaleString()}>{relativeTime(project.updated_at)}</span>
      <span className='doc-role'><RoleBadge role={project.role} /></span>
      <span className='doc-actions'>
        {owner && (
          <button type='button' className='button button-small button-danger-quiet' onClick={() => onDelete(project)} aria-label={`Delete project ${project.name}`}>Delete</button>
        )}
      </span>
    </li>
  )
}
