import { stderr, stdout } from './output';

const TOP = `Usage: hdd-lens COMMAND [options]

Checks, repairs, maps and converts Parallels expandable disk images (.hdd, .hds).

Commands:
  check IMAGE [--json] [-r leaks|all] [--force] [-p]
                                                  find problems; -r repairs them (crash-safe)
  info IMAGE [--json]                             what the header and the format extension say
  map IMAGE [--json]                              guest ranges and where they are stored (as qemu-img map)
  convert IMAGE OUT.raw [--overwrite] [-p]        the guest disk as a raw file (as qemu-img convert -O raw)
  create IMAGE SIZE [--cluster-size N] [--legacy] [--overwrite]
                                                  a new empty image (as qemu-img create -f parallels)
  rules [CODE] [--json|--markdown]                the rules the checker applies

Options: -h, --help (also after a command), --version.
Every command that opens an image first rolls back a repair that was interrupted (its journal,
IMAGE.hdd-lens-journal, lies beside the image) and says so on stderr.`;

const COMMANDS: Record<string, string> = {
  check: `Usage: hdd-lens check IMAGE [--json] [-r leaks|all] [--force] [-p]

Checks IMAGE against every rule ('hdd-lens rules') and reports what is wrong, where, and what a repair
would do. Without -r nothing is written.

  --json           print one JSON object (findings, counts, allocation, image end offset)
  -r, --repair M   repair in place, then check again: 'leaks' only cuts leaked space, 'all' repairs
                   everything that has a repair. Writes go through a journal beside the image
                   (IMAGE.hdd-lens-journal): a crash leaves the old image or the repaired one.
  --force          with -r: repair even when the image has an unknown NECESSARY extension feature
                   (the format says such a file must not be changed)
  -p, --progress   show progress on stderr (the default when stderr is a terminal, except with --json)

Exit status, as qemu-img check: 0 no problems, 2 corruptions, 3 leaked clusters only, 1 the check
could not complete (not a Parallels image, I/O error, bad usage). Warnings never change it.`,
  info: `Usage: hdd-lens info IMAGE [--json]

Shows the virtual size, cluster size, BAT, data offset, in_use state, flags and the format extension
(features, dirty bitmaps with their id, granularity, L1 size and dirty cluster count).

  --json   print one JSON object (qemu-img info's field names where they exist, plus "format-specific")`,
  map: `Usage: hdd-lens map IMAGE [--json]

Lists the guest disk as runs: where each allocated run is stored in IMAGE. Without --json, the table
of 'qemu-img map'; with --json, exactly the output of 'qemu-img map --output=json -f parallels'.`,
  convert: `Usage: hdd-lens convert IMAGE OUT.raw [--overwrite] [-p]

Writes the guest disk as a raw file, byte for byte what 'qemu-img convert -f parallels -O raw' writes.
OUT.raw is sparse: unallocated clusters and zero blocks are not written.

  --overwrite       replace OUT.raw if it exists (it never may be IMAGE itself)
  -p, --progress    show progress on stderr, as qemu-img convert -p (the default when stderr is a terminal)`,
  create: `Usage: hdd-lens create IMAGE SIZE [--cluster-size N] [--legacy] [--overwrite]

Creates an empty image, byte for byte what 'qemu-img create -f parallels IMAGE SIZE
-o cluster_size=N' writes. SIZE and N take qemu-img's suffixes: k, M, G, T, P, E (powers of 1024),
e.g. 64k, 1.5G, 1T; both are rounded up to a multiple of 512.

  --cluster-size N   cluster size (default 1M)
  --legacy           the older "WithoutFreeSpace" variant (sector BAT entries), as Parallels Desktop
                     writes; in_use 0, data_off cluster-aligned; disks below 2 TiB
  --overwrite        replace IMAGE if it exists`,
  rules: `Usage: hdd-lens rules [CODE] [--json|--markdown]

Lists the rules of the checker (code, severity, category, title), or explains one rule.

  --json       the catalogue as JSON: [{code, severity, category, title, doc, fix}]
  --markdown   the README's rules section (a table, then each rule's documentation)`,
};

export const COMMAND_NAMES = Object.keys(COMMANDS);

/** Prints the usage of a command (or the top level) on stdout, for --help; returns exit status 0. */
export function printUsage(command?: string): number {
  stdout.line(command ? COMMANDS[command] : TOP);
  return 0;
}

/**
 * Prints a usage error on stderr: the one line that says what is wrong, then where the usage is (the whole help
 * would bury the line); returns exit status 1.
 */
export function usageError(message: string, command?: string): number {
  stdout.flush();
  const name = `hdd-lens${command ? ` ${command}` : ''}`;
  stderr.line(`${name}: ${message}`);
  stderr.line(`See '${name} --help'.`);
  stderr.flush();
  return 1;
}
