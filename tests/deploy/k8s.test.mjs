// k8s.test.mjs — every manifest of deploy/k8s/ against the Kubernetes API schemas (npm
// kubernetes-models: the OpenAPI schemas of Kubernetes 1.27 as validators), strictly: a field the
// schema does not know fails too, as `kubectl apply` (strict field validation) refuses it. Then
// what the schemas cannot see: names and selectors that meet, the probes on weft's routes and
// port, the grace period against the drain, the image's user, real WEFT_* variables, every
// manifest listed in kustomization.yaml.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT, yamlDocuments, unknownWeftNames } from './lib.mjs'

const DIR = path.join(ROOT, 'deploy/k8s')
const files = () => fs.readdirSync(DIR, { recursive: true }).filter((f) => /\.ya?ml$/.test(f) && path.basename(f) !== 'kustomization.yaml').sort()

// kubernetes-models' class for apiVersion + kind (apps/v1 Deployment → kubernetes-models/apps/v1).
async function modelOf (apiVersion, kind) {
  const mod = await import(`kubernetes-models/${apiVersion.includes('/') ? apiVersion : `v1`}`).catch(() => null)
  return mod?.[kind] ?? null
}

// The model's validator reads every property its schema knows (and iterates the maps it allows);
// a property of the manifest it never touched is one the schema does not have.
function tracked (value, at, touched) {
  if (!value || typeof value !== 'object') return value
  return new Proxy(value, {
    get (t, k) { if (typeof k === 'string') touched.add(`${at}/${k}`); return tracked(t[k], `${at}/${k}`, touched) },
    has (t, k) { if (typeof k === 'string') touched.add(`${at}/${k}`); return k in t },
    ownKeys (t) { for (const k of Reflect.ownKeys(t)) if (typeof k === 'string') touched.add(`${at}/${k}`); return Reflect.ownKeys(t) }
  })
}
function untouched (value, at, touched, out = []) {
  if (!value || typeof value !== 'object') return out
  for (const [k, v] of Object.entries(value)) {
    if (!touched.has(`${at}/${k}`)) out.push(`${at}/${k}`)
    else untouched(v, `${at}/${k}`, touched, out)
  }
  return out
}

export async function schemaProblems (doc, where) {
  const Model = await modelOf(doc.apiVersion ?? '', doc.kind ?? '')
  if (!Model) return [`${where}: no Kubernetes API type ${doc.apiVersion} ${doc.kind}`]
  const problems = []
  const touched = new Set()
  // The model's validate() checks `this`: here the manifest itself, behind the tracking proxy.
  try { Model.prototype.validate.call(tracked(doc, '', touched)) } catch (e) { problems.push(`${where}: ${e.message}`) }
  for (const p of untouched(doc, '', touched)) problems.push(`${where}: ${p}: unknown field`)
  return problems
}

async function all () {
  const out = []
  for (const f of files()) for (const d of yamlDocuments(path.join(DIR, f))) out.push({ file: f, doc: d })
  return out
}
const byKind = (docs, kind) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc)

test('every manifest of deploy/k8s/ is valid against the Kubernetes API schemas, strictly', async () => {
  const docs = await all()
  assert.deepEqual([...new Set(docs.map((d) => d.doc.kind))].sort(),
    ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'PodDisruptionBudget', 'Secret', 'Service'])
  const problems = []
  for (const { file, doc } of docs) problems.push(...await schemaProblems(doc, file))
  assert.deepEqual(problems, [])
})

test('the schema check fails on a wrong type, a missing required field and an unknown field', async () => {
  const [dep] = byKind(await all(), 'Deployment')
  const clone = () => structuredClone(dep)
  const c1 = clone(); c1.spec.replicas = 'three'
  assert.ok((await schemaProblems(c1, 'x')).some((p) => /replicas must be integer/.test(p)))
  const c2 = clone(); delete c2.spec.selector
  assert.ok((await schemaProblems(c2, 'x')).some((p) => /selector/.test(p)))
  const c3 = clone(); c3.spec.template.spec.containers[0].readinesProbe = c3.spec.template.spec.containers[0].readinessProbe
  assert.deepEqual((await schemaProblems(c3, 'x')).filter((p) => /unknown field/.test(p)), ['x: /spec/template/spec/containers/0/readinesProbe: unknown field'])
  const c4 = clone(); c4.spec.template.spec.containers[0].lifecycle.preStop.exec.comand = ['sleep', '5']
  assert.ok((await schemaProblems(c4, 'x')).some((p) => /preStop\/exec\/comand: unknown field/.test(p)))
  assert.deepEqual(await schemaProblems({ apiVersion: 'apps/v1', kind: 'Deployments', metadata: {} }, 'x'), ['x: no Kubernetes API type apps/v1 Deployments'])
})

test('names, selectors, probes, grace, user and variables fit together', async () => {
  const docs = await all()
  const [dep] = byKind(docs, 'Deployment')
  const [svc] = byKind(docs, 'Service')
  const [ing] = byKind(docs, 'Ingress')
  const [pdb] = byKind(docs, 'PodDisruptionBudget')
  const [hpa] = byKind(docs, 'HorizontalPodAutoscaler')
  const [cm] = byKind(docs, 'ConfigMap')
  const [secret] = byKind(docs, 'Secret')
  const pod = dep.spec.template
  const c = pod.spec.containers[0]
  const labels = pod.metadata.labels
  const matches = (sel) => Object.entries(sel).every(([k, v]) => labels[k] === v)

  assert.equal(dep.spec.replicas, 3)
  assert.ok(matches(dep.spec.selector.matchLabels) && matches(svc.spec.selector) && matches(pdb.spec.selector.matchLabels))
  assert.equal(hpa.spec.scaleTargetRef.name, dep.metadata.name)
  assert.equal(hpa.spec.scaleTargetRef.kind, 'Deployment')
  assert.ok(hpa.spec.minReplicas >= dep.spec.replicas)
  const backend = ing.spec.rules[0].http.paths[0].backend.service
  assert.equal(backend.name, svc.metadata.name)
  assert.ok(svc.spec.ports.some((p) => p.name === backend.port.name))
  assert.ok(c.ports.some((p) => p.name === svc.spec.ports[0].targetPort))
  assert.equal(ing.metadata.annotations['nginx.ingress.kubernetes.io/upstream-hash-by'], '$uri')
  assert.ok(Number(ing.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']) >= 3600)

  // Probes on weft's routes and its port (WEFT_PORT of the ConfigMap).
  const port = c.ports.find((p) => p.name === 'http').containerPort
  assert.equal(String(port), cm.data.WEFT_PORT)
  assert.equal(c.readinessProbe.httpGet.path, '/readyz')
  assert.equal(c.livenessProbe.httpGet.path, '/healthz')
  for (const p of [c.readinessProbe, c.livenessProbe, c.startupProbe]) assert.equal(p.httpGet.port, 'http')
  // preStop, then weft's drain: ≤ 3 s of close handshakes and ≤ 10 s of flushing (server/server.cpp).
  const preStop = Number(c.lifecycle.preStop.exec.command[1])
  assert.ok(pod.spec.terminationGracePeriodSeconds >= preStop + 13 + 5,
    `terminationGracePeriodSeconds ${pod.spec.terminationGracePeriodSeconds} < preStop ${preStop} + drain 13 + 5`)
  // The image's user (Dockerfile USER).
  const uid = Number(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').match(/^USER (\d+)/m)[1])
  assert.equal(pod.spec.securityContext.runAsUser, uid)
  assert.equal(pod.spec.securityContext.runAsNonRoot, true)
  assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory)

  // Variables: real ones, and every reference to the ConfigMap or the Secret resolves.
  const names = [...Object.keys(cm.data), ...c.env.map((e) => e.name)]
  assert.deepEqual(unknownWeftNames(names, 'deploy/k8s'), [])
  assert.ok(c.envFrom.every((e) => e.configMapRef.name === cm.metadata.name))
  for (const e of c.env.filter((x) => x.valueFrom?.secretKeyRef)) {
    assert.equal(e.valueFrom.secretKeyRef.name, secret.metadata.name)
    assert.ok(e.valueFrom.secretKeyRef.key in secret.stringData, `${e.name}: no key ${e.valueFrom.secretKeyRef.key}`)
  }
  assert.ok(c.env.some((e) => e.name === 'WEFT_JWT_SECRET' && e.valueFrom.secretKeyRef), 'the JWT secret comes from the Secret')
})

test('kustomization.yaml lists every manifest but the Secret\'s placeholder', () => {
  const k = yamlDocuments(path.join(DIR, 'kustomization.yaml'))[0]
  assert.deepEqual([...k.resources].sort(), files().filter((f) => !f.startsWith('secret/')))
})
