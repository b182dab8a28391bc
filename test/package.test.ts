// The package as an operator gets it: `npm pack`, install the tarball with --omit=dev into an empty
// folder, then `npx switchyard serve` answers /healthz, `--version` and `doctor` work. Nothing here
// may need a devDependency or a file outside the tarball.
import { execFile, spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { builtinModules } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT, cleanEnv, freePort } from './helpers/process';
import { describeWithKafka, describeWithRedis } from './services/services';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; peerDependencies: Record<string, string> };

/** The environment without the test run's npm_* settings (an outer `npm test` sets them). */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(cleanEnv()).filter(([k]) => !k.toLowerCase().startsWith('npm_'))), ...extra };
}

function run(command: string, args: string[], options: SpawnSyncOptions): string {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 150_000, ...options });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return String(r.stdout);
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );
}

describe('the npm package', () => {
  const work = mkdtempSync(join(tmpdir(), 'switchyard-package-'));
  const app = join(work, 'app');
  const installed = join(app, 'node_modules', 'switchyard');
  let files: string[] = [];

  beforeAll(() => {
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, env: env() })) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    files = packed.files.map((f) => f.path);
    mkdirSync(app);
    // The project's lockfile is not in a tarball: npm resolves the dependency ranges, from its cache when it can.
    run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed.filename)], { cwd: app, env: env() });
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('holds the compiled runtime, the generated code and the specs, and nothing else', () => {
    expect(files).toEqual(expect.arrayContaining(['bin/switchyard.js', 'dist/src/cli/main.js', 'dist/generated/index.js', 'dist/generated/games/validators.js', 'specs/games.asyncapi.yaml', '.env.example', 'dist/web/asyncapi.js', 'dist/web/redoc.js', 'dist/web/console.js', 'dist/web/games.asyncapi.json']));
    // dist/scripts/codegen: the generator's model and ajv setup, which the spec check of `switchyard verify` compiles with.
    const allowed = /^(package\.json|README\.md|\.env\.example|bin\/switchyard\.js|dist\/(src|generated)\/.+\.js|dist\/scripts\/codegen\/(catalogue|pointer|validators)\.js|dist\/web\/[^/]+\.(js|css|json)|specs\/[^/]+\.(yaml|md))$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(files.filter((f) => /^(test|bench|scripts|contract|pacts|\.ci|src|generated)\//.test(f))).toEqual([]);
  });

  it('requires only node built-ins, its dependencies and its optional peer (pact-js, for verify) at run time', () => {
    const allowed = new Set([...builtinModules, ...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]);
    const needed = new Set<string>();
    // dist/web/ holds browser bundles, which node never loads.
    for (const file of ['src', 'generated', 'scripts'].flatMap((dir) => jsFiles(join(installed, 'dist', dir)))) {
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/require\("([^".][^"]*)"\)/g)) {
        const name = spec.startsWith('node:') ? spec.slice(5) : spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
        if (!allowed.has(name)) needed.add(`${name} (${relative(installed, file)})`);
      }
    }
    expect([...needed]).toEqual([]);
  });

  it('serves with `npx switchyard serve` (/healthz 200) and prints its version', async () => {
    expect(run('npx', ['switchyard', '--version'], { cwd: app, env: env() })).toBe(`${pkg.version}\n`);
    const port = await freePort();
    // Its own process group: npx does not pass SIGTERM on to the server it started, so the signal
    // goes to the group (as a supervisor stopping `npx switchyard serve` would have to).
    const child = spawn('npx', ['switchyard', 'serve'], {
      cwd: app,
      env: env({ PORT: String(port), HOST: '127.0.0.1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve())); // every process holding the pipes is gone
    try {
      let status = 0;
      for (let i = 0; i < 300 && status !== 200 && child.exitCode === null; i++) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect({ status, output }).toEqual({ status: 200, output: expect.stringContaining('switchyard is serving') });
      // The docs' renderers come inside the package (dist/web/), not from a devDependency or a CDN.
      const page = await (await fetch(`http://127.0.0.1:${port}/docs/pizza`)).text();
      const scripts = [...page.matchAll(/src="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
      expect(scripts).toEqual([expect.stringMatching(/^\/assets\/asyncapi\.js\?v=/), expect.stringMatching(/^\/assets\/docs\.js\?v=/)]);
      for (const src of scripts) expect((await fetch(`http://127.0.0.1:${port}${src}`)).status).toBe(200);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
    await closed;
    expect(output).toContain('"msg":"stopped"');
  }, 60_000);

  it('verifies a pact with `npx switchyard verify` once the consumer has pact-js, and says how to get it before', () => {
    const verify = (pact: string) => spawnSync('npx', ['switchyard', 'verify', '--pact', pact], { cwd: app, env: env(), encoding: 'utf8', timeout: 150_000 });
    const wrong = join(ROOT, 'examples', 'consumer-pact', 'wrong');
    const without = verify(wrong);
    expect({ status: without.status, stderr: without.stderr }).toEqual({
      status: 1,
      stderr: 'switchyard verify: verifying pacts needs @pact-foundation/pact 16 next to switchyard: npm install --save-dev @pact-foundation/pact@^16\n',
    });

    // The version this checkout's consumer tests use, as a consumer team has it installed.
    const pactVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules', '@pact-foundation', 'pact', 'package.json'), 'utf8')) as { version: string }).version;
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `@pact-foundation/pact@${pactVersion}`], { cwd: app, env: env() });
    const passing = verify(join(ROOT, 'pacts', 'pizza-backoffice-switchyard.json'));
    expect({ status: passing.status, stdout: passing.stdout }).toEqual({ status: 0, stdout: expect.stringContaining('OK: all 4 interactions pass.') });
    const failing = verify(wrong);
    expect(failing.status).toBe(1);
    expect(failing.stdout).toContain('FAILED pizza-dashboard "a socket ticket that says when it expires"\n  spec: response 200 body: (root): unexpected property "expires_in"\n  provider: $: Actual map is missing the following keys: expires_in');
  }, 300_000);

  describeWithKafka('doctor from the package', (brokers) => {
    describeWithRedis('against real Kafka and Redis', (redisUrl) => {
      it('reaches both and the action back-end, and exits 0', async () => {
        const secret = 'package-test-secret-0123456789-abcdef';
        // The games back-end the specs forward requests to (doctor checks that it answers): run
        // asynchronously, so that this process can answer it.
        const backend = createServer((_req, res) => res.writeHead(405).end());
        await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
        try {
          const { stdout: out } = await promisify(execFile)('npx', ['switchyard', 'doctor'], {
            cwd: app,
            timeout: 150_000,
            env: env({
              NODE_ENV: 'production',
              AUTH_JWT_SECRET: secret,
              API_SECRET: secret,
              WEBHOOK_SECRET: secret,
              KAFKA_BROKERS: brokers.join(','),
              REDIS_URL: redisUrl,
              ACTION_BACKENDS: `games=http://127.0.0.1:${(backend.address() as AddressInfo).port}/actions`,
            }),
          });
          expect(out).toMatch(/^ok {4}kafka +reached /m);
          expect(out).toMatch(/^ok {4}redis +reached /m);
          expect(out).toMatch(/^ok {4}action +games: http:\/\/127\.0\.0\.1:\d+\/actions answers \(HTTP 405\)$/m);
          expect(out).toMatch(/^0 problems/m);
        } finally {
          backend.close();
        }
      }, 60_000);
    });
  });
});
