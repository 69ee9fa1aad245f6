/**
 * The EC2 target's key timer script (Python 3, which Amazon Linux 2023 ships). Every 5 minutes it reads the key
 * parameters from SSM (`aws ssm get-parameters --with-decryption`, with the instance role, in batches of
 * {@link SSM_GET_PARAMETERS_MAX} names) and writes two files atomically:
 * - the nginx key map: `"~^<key>$" "<key id>";` entries (anchored, case-sensitive regexes, because nginx matches plain
 *   map strings case-insensitively), then reloads nginx if it changed;
 * - the app's key file (MCP_API_KEYS_FILE), one key per line, readable by the container's user.
 * On any failure it exits non-zero and leaves both files as they were, so the last good keys keep working.
 */

/**
 * Most names one GetParameters call accepts ("Maximum number of 10 items",
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html); the server batches the same
 * way (server/keys/ssm-source.ts).
 */
export const SSM_GET_PARAMETERS_MAX = 10;

export interface KeyRefreshOptions {
  region: string;
  parameterNames: string[];
  nginxMapPath: string;
  appKeysPath: string;
  /** Group id that may read the app's key file (the image's `node` user is 1000). */
  appGroupId: number;
  /** Command run after the map changed, e.g. `["docker", "exec", "mcp-anywhere-nginx-1", "nginx", "-s", "reload"]`. */
  reloadCommand: string[];
}

/** @returns the script's text; its configuration is embedded as JSON. `MCP_KEYS_AWS_CLI` overrides the `aws` command. */
export function renderKeyRefreshScript(o: KeyRefreshOptions): string {
  return `#!/usr/bin/env python3
"""mcp-anywhere key timer: SSM key parameters -> nginx key map + app key file. Generated; do not edit."""
import hashlib, json, os, re, subprocess, sys, tempfile

CONFIG = json.loads(${JSON.stringify(JSON.stringify(o))})
KEY = re.compile(r"^[A-Za-z0-9._~+/=-]{16,256}$")


def write_atomic(path, text, mode, gid=None):
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)
    if gid is not None and os.geteuid() == 0:
        os.chown(tmp, 0, gid)
    os.replace(tmp, path)


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None


def main():
    aws = os.environ.get("MCP_KEYS_AWS_CLI", "aws")
    names = CONFIG["parameterNames"]
    parameters = []
    # GetParameters takes at most ${SSM_GET_PARAMETERS_MAX} names per call.
    for start in range(0, len(names), ${SSM_GET_PARAMETERS_MAX}):
        out = subprocess.run(
            [aws, "ssm", "get-parameters", "--region", CONFIG["region"], "--with-decryption",
             "--names", *names[start:start + ${SSM_GET_PARAMETERS_MAX}], "--output", "json"],
            check=True, capture_output=True, text=True)
        data = json.loads(out.stdout)
        if data.get("InvalidParameters"):
            sys.exit("mcp-anywhere-keys: SSM parameters not found: " + ", ".join(data["InvalidParameters"]))
        parameters.extend(data.get("Parameters", []))
    keys = []
    for parameter in parameters:
        for key in (k.strip() for k in parameter["Value"].split(",")):
            if not key:
                continue
            if not KEY.match(key):
                print("mcp-anywhere-keys: skipping a key in %s: 16 to 256 of A-Z a-z 0-9 . _ ~ + / = -" % parameter["Name"],
                      file=sys.stderr)
                continue
            keys.append(key)
    if not keys:
        sys.exit("mcp-anywhere-keys: no usable key; keeping the current files")
    lines = ['map $mcp_key $mcp_key_id {', '    default "";']
    for key in keys:
        key_id = hashlib.sha256(key.encode()).hexdigest()[:8]
        lines.append('    "~^%s$" "%s";' % (re.sub(r"([.+/=~\\\\-])", r"\\\\\\1", key), key_id))
    nginx_map = "\\n".join(lines + ["}", ""])
    changed = read(CONFIG["nginxMapPath"]) != nginx_map
    write_atomic(CONFIG["appKeysPath"], "\\n".join(keys) + "\\n", 0o640, CONFIG["appGroupId"])
    if changed:
        write_atomic(CONFIG["nginxMapPath"], nginx_map, 0o600)
        subprocess.run(CONFIG["reloadCommand"], check=True)
    print("mcp-anywhere-keys: %d keys, ids %s%s" % (
        len(keys), ",".join(hashlib.sha256(k.encode()).hexdigest()[:8] for k in keys), ", nginx reloaded" if changed else ""))


if __name__ == "__main__":
    main()
`;
}
