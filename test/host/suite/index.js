// The in-host suite: runs INSIDE a VS Code extension host, next to the installed extension.
// Two launchers run it: @vscode/test-electron (`npm run test:electron`, where VS Code can be
// downloaded) calls run(); on our machines the fixture extension inside code-server calls
// run(report) when the host scenario asks it to.
const path = require('path');

function requireFromRepo(name) {
  return require(
    require.resolve(name, { paths: [process.env.PI_ACCOUNTS_REPO || path.resolve(__dirname, '../../..')] }),
  );
}

exports.run = function run(report) {
  const Mocha = requireFromRepo('mocha');
  const mocha = new Mocha({ ui: 'bdd', timeout: 20000, color: false, reporter: report ? 'base' : 'spec' });
  mocha.addFile(path.join(__dirname, 'api.test.js'));
  return new Promise((resolve, reject) => {
    const results = { passed: [], failed: [] };
    const runner = mocha.run((failures) => {
      report?.(results);
      if (failures && !report) reject(new Error(`${failures} in-host test(s) failed`));
      else resolve(results);
    });
    runner.on('pass', (t) => results.passed.push(t.fullTitle()));
    runner.on('fail', (t, err) => results.failed.push({ title: t.fullTitle(), error: String(err && err.message) }));
  });
};
