import type { Command } from '../command.ts';

/** Every CLI command; add a command by adding its file and one line here. */
export const COMMANDS: Command[] = [];
