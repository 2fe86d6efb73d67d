// mocha's settings for `npm test`, CI's second run and any `npx mocha <file>`.
// - tsx runs the TypeScript tests as they are; 30 s is the default per test (slow suites set their own).
// - exit: false, so that a test leaving a server, socket, child or timer open is caught (test/support/mocha-hooks.ts
//   names it and fails the run) instead of being hidden by a forced exit.
// - Under CI (CI set, as .ci/run does), a `.only` left in a spec fails the run; a pending or skipped test fails
//   it everywhere: a test that cannot run must say why, not turn into a quiet pass.
module.exports = {
  import: 'tsx',
  extension: ['ts'],
  require: ['test/support/mocha-hooks.ts'],
  timeout: 30_000,
  exit: false,
  forbidOnly: Boolean(process.env.CI),
  forbidPending: true,
}
