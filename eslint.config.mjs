// ESLint (flat config), run by tests/web/lint.test.mjs: the security rules of the site. Data (what a
// learner types, what the URL holds, what the core returns) only ever reaches the page as text, so
// nothing may build HTML from a string (Mozilla's no-unsanitized: innerHTML, outerHTML,
// insertAdjacentHTML, document.write, ...) or run a string as code (eval, new Function, setTimeout
// with a string). Style is not linted here: only what would let data become markup or code.
import nounsanitized from 'eslint-plugin-no-unsanitized';

// no-implied-eval only knows setTimeout & co. when they are declared as globals.
const browser = Object.fromEntries(['window', 'self', 'globalThis', 'document', 'location', 'setTimeout', 'setInterval',
  'execScript', 'console'].map((name) => [name, 'readonly']));
const node = Object.fromEntries(['globalThis', 'process', 'setTimeout', 'setInterval', 'setImmediate', 'console']
  .map((name) => [name, 'readonly']));

const security = {
  'no-unsanitized/method': 'error',
  'no-unsanitized/property': 'error',
  'no-eval': 'error',
  'no-implied-eval': 'error',
  'no-new-func': 'error',
  'no-script-url': 'error',
};

export default [
  {
    // The page code: ES modules, bundled per page by tools/build-web.mjs (esbuild).
    files: ['web/js/**/*.js', 'web/lessons/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: browser },
    plugins: { 'no-unsanitized': nounsanitized },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: security,
  },
  {
    // The host pages' script (web/embed/attention-lab-embed.js): a classic script, served as it is.
    files: ['web/embed/**/*.js'],
    languageOptions: { ecmaVersion: 2020, sourceType: 'script', globals: browser },
    plugins: { 'no-unsanitized': nounsanitized },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: security,
  },
  {
    // The build and test tools (ES modules in node).
    files: ['tools/*.mjs'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: node },
    plugins: { 'no-unsanitized': nounsanitized },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: security,
  },
];
