import type { ShellWord } from './path-rules.ts';
import { operands, optionValue, text } from './rule-helpers.ts';

/**
 * Builtins that assign shell variables without an `=` in sight: `read PATH`, `printf -v IFS ...`, `mapfile PATH`,
 * `getopts o PATH`. The names they assign, so PATH/IFS/LD_PRELOAD/BASH_ENV are judged like `PATH=...`.
 */
export function assignedVariables(program: string, args: readonly ShellWord[]): string[] {
  switch (program) {
    case 'read': {
      const names = operands(args, ['-a', '-d', '-i', '-n', '-N', '-p', '-t', '-u']).map(text);
      const array = optionValue(args, '-a');
      return array ? [...names, text(array)] : names;
    }
    case 'printf': {
      const name = optionValue(args, '-v');
      return name ? [text(name).replace(/\[.*$/, '')] : [];
    }
    case 'mapfile':
    case 'readarray': {
      const names = operands(args, ['-d', '-n', '-O', '-s', '-u', '-C', '-c']).map(text);
      return names.slice(-1);
    }
    case 'getopts':
      return operands(args).map(text).slice(1, 2);
    default:
      return [];
  }
}
