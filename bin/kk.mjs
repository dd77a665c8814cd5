#!/usr/bin/env node
// `npx kk`: load the TypeScript CLI through tsx (no build step), then run it.
import { register } from 'tsx/esm/api';

register();
const { runFromProcess } = await import('./kk.ts');
await runFromProcess();
