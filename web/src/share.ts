// share.ts — what the Share dialog shares: a document or a project. Both have members by username
// (editor or viewer), an owner, and public access; the calls differ only in their routes, so the
// dialog (components/ShareDialog.tsx) takes one of these and stays the same for both.
import type { Api, DocumentInfo, Member, MemberRole, ProjectInfo } from './api'

export interface ShareTarget {
  kind: 'document' | 'project'
  name: string
  link: string
  isPublic: boolean
  listMembers: () => Promise<Member[]>
  setMember: (username: string, role: MemberRole) => Promise<unknown>
  removeMember: (username: string) => Promise<unknown>
  setPublic: (isPublic: boolean) => Promise<unknown>
  // After each change: fetch the document or project again and tell whoever shows it.
  changed: () => Promise<void>
}

export function documentShare (api: Api, doc: DocumentInfo, onChanged: (doc: DocumentInfo) => void): ShareTarget {
  return {
    kind: 'document',
    name: doc.title,
    link: `${window.location.origin}/d/${doc.id}`,
    isPublic: doc.is_public,
    listMembers: () => api.listMembers(doc.id),
    setMember: (username, role) => api.setMember(doc.id, username, role),
    removeMember: (username) => api.removeMember(doc.id, username),
    setPublic: (isPublic) => api.updateDocument(doc.id, { is_public: isPublic }),
    changed: async () => onChanged(await api.getDocument(doc.id))
  }
}

export function projectShare (api: Api, project: ProjectInfo, onChanged: (project: ProjectInfo) => void): ShareTarget {
  return {
    kind: 'project',
    name: project.name,
    link: `${window.location.origin}/p/${project.id}`,
    isPublic: project.is_public,
    listMembers: () => api.listProjectMembers(project.id),
    setMember: (username, role) => api.setProjectMember(project.id, username, role),
    removeMember: (username) => api.removeProjectMember(project.id, username),
    setPublic: (isPublic) => api.updateProject(project.id, { is_public: isPublic }),
    changed: async () => onChanged(await api.getProject(project.id))
  }
}
