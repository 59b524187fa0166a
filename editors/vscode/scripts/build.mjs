// Bundles the extension into dist/extension.js (vscode stays external) and copies
// mermaid's browser build into media/ so the connectivity webview needs no network.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const production = process.argv.includes('--production') || process.env.NODE_ENV === 'production';

await build({
  entryPoints: [join(root, 'src', 'extension.ts')],
  outfile: join(root, 'dist', 'extension.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['vscode'],
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
});

const mermaid = join(dirname(require.resolve('mermaid/package.json')), 'dist', 'mermaid.min.js');
mkdirSync(join(root, 'media'), { recursive: true });
copyFileSync(mermaid, join(root, 'media', 'mermaid.min.js'));
