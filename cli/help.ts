import { stderr, stdout } from './output';

const TOP = `Usage: hdd-lens COMMAND [options]

Checks, repairs, maps and converts Parallels expandable disk images (.hdd, .hds).

Commands:
  check IMAGE [--json] [-r leaks|all] [--force] [-p]
                                                  find problems; -r repairs them (crash-safe)
  info IMAGE [--json]                             what the header and the format extension say
  map IMAGE [--json]                              guest ranges and where they are stored (as qemu-img map)
  convert IMAGE OUT.raw [--overwrite] [--no-sync] [-p]
                                                  the guest disk as a raw file (as qemu-img convert -O raw)
  create IMAGE SIZE [--cluster-size N] [--legacy] [--overwrite]
                                                  a new empty image (as qemu-img create -f parallels)
  recover IMAGE [--force]                         finish a write that was interrupted (from its journal)
  rules [CODE] [--json|--markdown]                the rules the checker applies

IMAGE may also be a disk bundle (a folder holding DiskDescriptor.xml and its .hds images, as Parallels
Desktop and ploop keep disks with snapshots), its DiskDescriptor.xml, or a .pvm folder (every disk in it):
check, info, map and convert then work on the whole chain of images (see 'hdd-lens check --help').

Options: -h, --help (also after a command), --version.
Only check -r and recover ever write an image. A write that was interrupted leaves a journal,
IMAGE.hdd-lens-journal: the read-only commands report it and show the image as recovery will
leave it; check -r and recover roll it back first.`;

const COMMANDS: Record<string, string> = {
  check: `Usage: hdd-lens check IMAGE|BUNDLE [--json] [-r leaks|all] [--force] [--image FILE] [-p]

Checks IMAGE against every rule ('hdd-lens rules') and reports what is wrong, where, and what a repair
would do. Without -r nothing is written.

  --json           print one JSON object (findings, counts, allocation, image end offset)
  -r, --repair M   repair in place, then check again: 'leaks' only cuts leaked space, 'all' repairs
                   everything that has a repair. Writes go through a journal beside the image
                   (IMAGE.hdd-lens-journal): a crash leaves the old image or the repaired one.
  --force          with -r: repair even when the image is marked in use ("Ynot", and no process
                   holds a lock on it) or has an unknown NECESSARY extension feature. Never
                   overrides a lock: an image a VM or another program has open is not written.
  -p, --progress   show progress on stderr (the default when stderr is a terminal, except with --json)

A BUNDLE (folder with DiskDescriptor.xml, the descriptor itself, or a .pvm folder) is checked as a
whole: the descriptor against itself and its images (findings at DiskDescriptor.xml:LINE:COL), and
every image with every image rule (findings per image file and offset); --json adds "bundle" and
each finding's "file", "line" and "column". -r all also writes the safe descriptor fixes (atomically,
the old descriptor kept as DiskDescriptor.xml.Backup) and repairs each storage's top image; a lower
image is shared by every snapshot above it and is repaired only when named:
  --image FILE     with -r on a bundle: repair this image of the bundle too (repeatable)

Exit status, as qemu-img check: 0 no problems, 2 corruptions, 3 leaked clusters only, 1 the check
could not complete (not a Parallels image, I/O error, bad usage). Warnings never change it.`,
  info: `Usage: hdd-lens info IMAGE [--json]

Shows the virtual size, cluster size, BAT, data offset, in_use state, flags and the format extension
(features, dirty bitmaps with their id, granularity, L1 size and dirty cluster count). For a BUNDLE:
the disk, its storages, the resolved top and the snapshot tree (active chain, inactive branches, each
image's version, cluster size, size, allocated clusters and in_use), and orphan files.

  --json   print one JSON object (qemu-img info's field names where they exist, plus "format-specific")`,
  map: `Usage: hdd-lens map IMAGE [--json]

Lists the guest disk as runs: where each allocated run is stored in IMAGE. Without --json, the table
of 'qemu-img map'; with --json, exactly the output of 'qemu-img map --output=json -f parallels'.
For a BUNDLE, the runs of the merged guest disk: depth is the image's place in the chain (0 = top), as
qemu-img map reports a chain; --json adds each run's "file" and "storage".`,
  convert: `Usage: hdd-lens convert IMAGE|BUNDLE OUT.raw [--overwrite] [--no-sync] [--snapshot GUID] [-p]

Writes the guest disk as a raw file, byte for byte what 'qemu-img convert -f parallels -O raw' writes.
OUT.raw is sparse: unallocated clusters and zero blocks are not written. OUT.raw is synced to the disk
before it gets its name: after a crash or a power loss it is absent, the file that was there, or whole.

  --overwrite       replace OUT.raw if it exists (it never may be IMAGE itself)
  --no-sync         do not sync OUT.raw (qemu-img convert's default): faster where the disk is slower
                    than memory, but after a power loss or a kernel crash OUT.raw may be incomplete
                    (with --overwrite, the file it replaced may be gone too)
  --snapshot G      for a BUNDLE: the guest disk of snapshot G instead of the top
  -p, --progress    show progress on stderr, as qemu-img convert -p (the default when stderr is a terminal)

A BUNDLE converts to the merged guest disk of its active chain (top first, clusters an image does not
map read from the one below, zeros at the root), byte for byte what qemu-img reads with the same
chain given as backing files. Refused: Padding other than 0, Parallels Desktop encryption, a top that
cannot be resolved (name one with --snapshot), a broken chain, a missing image. A .pvm folder with
several disks converts into the folder OUT.raw names (NAME.raw per disk NAME.hdd).`,
  create: `Usage: hdd-lens create IMAGE SIZE [--cluster-size N] [--legacy] [--overwrite]

Creates an empty image, byte for byte what 'qemu-img create -f parallels IMAGE SIZE
-o cluster_size=N' writes. SIZE and N take qemu-img's suffixes: k, M, G, T, P, E (powers of 1024),
e.g. 64k, 1.5G, 1T; both are rounded up to a multiple of 512.

  --cluster-size N   cluster size (default 1M)
  --legacy           the older "WithoutFreeSpace" variant (sector BAT entries), as Parallels Desktop
                     writes; in_use 0, data_off cluster-aligned; disks below 2 TiB
  --overwrite        replace IMAGE if it exists`,
  recover: `Usage: hdd-lens recover IMAGE [--force]

Finishes a write of IMAGE that was interrupted (a kill, a crash, a full disk): rolls it back from its
journal (IMAGE.hdd-lens-journal), or keeps the new state when the write had finished, then removes
the journal. Refused, with the journal kept, when the journal does not belong to IMAGE (another
file, another owner, changed since) or another process holds IMAGE.

  --force   roll back even when the device number differs (a disk renumbered since a reboot) or
            several ranges are torn (a power loss); never for another file or owner`,
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
