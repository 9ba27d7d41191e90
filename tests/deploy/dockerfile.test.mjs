// dockerfile.test.mjs — the Dockerfile's recipe, on this machine (tests/deploy/dockerfile.mjs):
// its instructions pass the dry checks and each kind of mistake is caught; the runtime package
// list is exactly the binary's libraries; the steps run and the binary serves as the image's user
// with the image's environment (the build stage from the build under test: WEFT_BIN's directory).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT, weftBin } from './lib.mjs'
import { dryCheck, packageProblems, runtimePackages, contextFiles, runRecipe } from './dockerfile.mjs'

const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')

test('the Dockerfile passes the dry checks', () => {
  assert.deepEqual(dryCheck(), [])
})

test('each kind of Dockerfile mistake is caught', () => {
  const broken = {
    'shell-form ENTRYPOINT': ['ENTRYPOINT ["/usr/local/bin/weft"]', 'ENTRYPOINT /usr/local/bin/weft', /exec form/],
    'root user': ['USER 10001:10001', 'USER 0', /root/],
    'user by name': ['USER 10001:10001', 'USER weft', /numeric/],
    'unknown variable': ['WEFT_PORT=8080', 'WEFT_PORT=8080 WEFT_LISTEN_PORT=8080', /WEFT_LISTEN_PORT is not a weft serve variable/],
    'inline RUN': ['RUN deploy/container/build /out', 'RUN make build', /not a script of deploy\/container/],
    'missing COPY source': ['COPY deploy/container/setup-runtime', 'COPY deploy/container/setup', /no such file/],
    'shell-form HEALTHCHECK': ['CMD ["/usr/local/bin/weft-healthcheck"]', 'CMD /usr/local/bin/weft-healthcheck', /HEALTHCHECK/],
    'no volume': ['VOLUME ["/data"]', 'VOLUME ["/srv"]', /must be a volume/],
    'other base': ['FROM debian:12-slim', 'FROM ubuntu:22.04', /debian:12-slim/],
    'wrong build output': ['COPY --from=build /out/ /', 'COPY --from=build /opt/ /', /expected --from=build/]
  }
  for (const [what, [from, to, expect]] of Object.entries(broken)) {
    assert.ok(dockerfile.includes(from), `${what}: the Dockerfile has no ${from}`)
    const problems = dryCheck({ text: dockerfile.replace(from, to) })
    assert.ok(problems.some((p) => expect.test(p)), `${what}: not caught (${JSON.stringify(problems)})`)
  }
  const ignore = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
  assert.ok(dryCheck({ ignoreText: ignore + '\ndeploy/container\n' }).some((p) => /excluded by .dockerignore/.test(p)))
})

test('the build context leaves out builds, packages and data', () => {
  const files = contextFiles()
  assert.ok(files.includes('CMakeLists.txt') && files.includes('scripts/bootstrap') && files.includes('web/package-lock.json'))
  const bad = files.filter((f) => /^(build[^/]*|data|\.git)\/|(^|\/)node_modules\//.test(f))
  assert.deepEqual(bad, [])
})

test('deploy/container/runtime-packages is exactly the packages of the binary\'s libraries', () => {
  const bin = weftBin()
  const packages = runtimePackages()
  assert.deepEqual(packageProblems(bin, packages), [])
  assert.ok(packageProblems(bin, packages.filter((p) => p !== 'libpq5')).some((p) => /lacks libpq5/.test(p)))
  assert.ok(packageProblems(bin, [...packages, 'libcurl4']).some((p) => /libcurl4 provides no library/.test(p)))
  assert.ok(packageProblems(bin, [...packages, 'libpq-dev']).some((p) => /-dev package/.test(p)))
})

test('the recipe runs: weft serves as uid 10001 with the image\'s environment, HEALTHCHECK passes, SIGTERM exits 0', async () => {
  const build = path.relative(ROOT, path.dirname(path.dirname(weftBin())))
  const { checks } = await runRecipe({ build })
  assert.ok(checks.some((c) => /SIGTERM: drained and exited 0/.test(c)), checks.join('\n'))
})
