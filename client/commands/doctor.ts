import type { Command } from 'commander';
export function registerDoctor(p: Command) {}
