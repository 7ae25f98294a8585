// Scripted stand-ins for three password managers' CLIs, put first on PATH by the tests. Each
// answers the one read Pi Accounts (and pi's "!command") makes, with the tool's documented exit
// code and wording on success, when locked / signed out, and for a reference that misses:
// - op 2.x (https://developer.1password.com/docs/cli/reference/commands/read): the value and a
//   newline; errors "[ERROR] <date> <time> <message>" on stderr, exit 1.
// - security (macOS, man 1 security): `find-generic-password -w` prints the password; a missing
//   item is errSecItemNotFound (exit 44), a locked keychain without UI errSecInteractionNotAllowed
//   (exit 36), each with "security: SecKeychainSearchCopyNext: <text>".
// - bws 1.x (https://bitwarden.com/help/secrets-manager-cli/): `secret get <id>` prints the
//   secret as pretty JSON; no BWS_ACCESS_TOKEN: "Error: … Missing access token", exit 1; an id it
//   cannot see: the server's 404, exit 1.
// POSIX sh only, so the same scripts run under our execFile and under pi's shell.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const OP = `#!/bin/sh
dir=$(dirname "$0")
if [ "$1" != "read" ] || [ -z "$2" ]; then echo "[ERROR] 2026/12/06 10:00:00 unknown command" >&2; exit 1; fi
if [ -e "$dir/op.locked" ]; then
  echo "[ERROR] 2026/12/06 10:00:00 You are not currently signed in. Please run \`op signin --help\` for instructions" >&2
  exit 1
fi
name=$(printf %s "$2" | tr -c 'A-Za-z0-9' '_')
if [ -e "$dir/op.data/$name" ]; then cat "$dir/op.data/$name"; echo; exit 0; fi
echo "[ERROR] 2026/12/06 10:00:00 could not read secret '$2': could not get item: \\"item\\" isn't an item in the \\"vault\\" vault. Specify the item with its UUID, name, or domain." >&2
exit 1
`;

const SECURITY = `#!/bin/sh
dir=$(dirname "$0")
[ "$1" = "find-generic-password" ] || { echo "security: unknown command" >&2; exit 1; }
shift
service=""; account=""; w=0
while [ $# -gt 0 ]; do
  case "$1" in
    -w) w=1 ;;
    -ws) w=1; shift; service="$1" ;;
    -s) shift; service="$1" ;;
    -a) shift; account="$1" ;;
  esac
  shift
done
if [ -e "$dir/security.locked" ]; then
  echo "security: SecKeychainSearchCopyNext: User interaction is not allowed." >&2; exit 36
fi
name=$(printf %s "$service/$account" | tr -c 'A-Za-z0-9' '_')
if [ -e "$dir/security.data/$name" ] && [ $w = 1 ]; then cat "$dir/security.data/$name"; echo; exit 0; fi
echo "security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain." >&2
exit 44
`;

const BWS = `#!/bin/sh
dir=$(dirname "$0")
if [ -z "$BWS_ACCESS_TOKEN" ]; then printf 'Error: \\n   0: Missing access token\\n' >&2; exit 1; fi
if [ "$1" != "secret" ] || [ "$2" != "get" ]; then echo "error: unrecognized subcommand" >&2; exit 2; fi
name=$(printf %s "$3" | tr -c 'A-Za-z0-9' '_')
if [ ! -e "$dir/bws.data/$name" ]; then
  printf 'Error: \\n   0: Received error message from server: [404 Not Found] {"message":"Resource not found."}\\n' >&2
  exit 1
fi
value=$(cat "$dir/bws.data/$name")
cat <<EOF
{
  "object": "secret",
  "id": "$3",
  "organizationId": "a0a0a0a0-0000-4000-8000-000000000001",
  "projectId": "b0b0b0b0-0000-4000-8000-000000000002",
  "key": "ANTHROPIC_API_KEY",
  "value": "$value",
  "note": "",
  "creationDate": "2026-12-01T10:00:00.000000Z",
  "revisionDate": "2026-12-01T10:00:00.000000Z"
}
EOF
`;

const safe = (s: string) => s.replace(/[^A-Za-z0-9]/g, '_');

/** A bin directory with `op`, `security` and `bws`, and ways to put secrets in and lock each. */
export class StandIns {
  readonly bin: string;

  constructor(dir: string) {
    this.bin = join(dir, 'bin');
    mkdirSync(this.bin, { recursive: true });
    for (const [name, script] of [
      ['op', OP],
      ['security', SECURITY],
      ['bws', BWS],
    ] as const) {
      writeFileSync(join(this.bin, name), script);
      chmodSync(join(this.bin, name), 0o755);
      mkdirSync(join(this.bin, `${name}.data`), { recursive: true });
    }
  }

  op(ref: string, value: string): void {
    writeFileSync(join(this.bin, 'op.data', safe(ref)), value);
  }

  security(service: string, value: string, account = ''): void {
    writeFileSync(join(this.bin, 'security.data', safe(`${service}/${account}`)), value);
  }

  bws(id: string, value: string): void {
    writeFileSync(join(this.bin, 'bws.data', safe(id)), value);
  }

  lock(tool: 'op' | 'security', locked = true): void {
    const flag = join(this.bin, `${tool}.locked`);
    if (locked) writeFileSync(flag, '');
    else rmSync(flag, { force: true });
  }

  /** The environment with the stand-ins first on PATH (and a Bitwarden access token). */
  env(
    base: NodeJS.ProcessEnv = process.env,
    token: string | undefined = '0.test-machine-account-token',
  ): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...base, PATH: `${this.bin}${delimiter}${base.PATH ?? ''}` };
    if (token) env.BWS_ACCESS_TOKEN = token;
    else delete env.BWS_ACCESS_TOKEN;
    return env;
  }
}
