#!/usr/bin/env node
import { exitWhenFlushed, main } from '../dist/cli/main.js';

await exitWhenFlushed(await main(process.argv));
