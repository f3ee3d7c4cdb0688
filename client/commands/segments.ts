import type { Command } from 'commander';
export function registerSegments(p: Command) {}
