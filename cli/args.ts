import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command line that does not parse: printed with a pointer to the command's --help, exit status 1. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose usage to show, or undefined for the top-level usage. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** The per-command option table, in node:util parseArgs' shape. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses a command's arguments strictly: unknown flags, missing option values and a wrong number of positionals
 * are usage errors. `--help` is accepted by every command.
 */
export function parseCommand(command: string, argv: string[], options: OptionSpec, positionals: { min: number; max: number; names: string }): Parsed {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(cleanParseError(e), command);
  }
  const values = parsed.values as Parsed['values'];
  if (values.help) return { values, positionals: parsed.positionals };
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new UsageError(`missing ${positionals.names}`, command);
  if (n > positionals.max) throw new UsageError(`unexpected argument '${parsed.positionals[positionals.max]}'`, command);
  return { values, positionals: parsed.positionals };
}

/**
 * parseArgs' messages carry advice for programmers ("To specify a positional argument..."); keep the first
 * sentence, lower-case like every other message after "hdd-lens COMMAND:" ("Unknown option" -> "unknown option").
 */
function cleanParseError(e: unknown): string {
  const msg = (e instanceof Error ? e.message : String(e)).split('. ')[0].replace(/\.$/, '');
  return msg.charAt(0).toLowerCase() + msg.slice(1);
}

export function stringOption(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** A repeatable string option (`--image A --image B`), as parseArgs gives it. */
export function stringsOption(p: Parsed, name: string): string[] {
  const v: unknown = (p.values as Record<string, unknown>)[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}
