#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

// Exit when the command is done, even if a request it gave up on (a Jira timeout) still holds a socket.
// stdout and stderr are synchronous for files and pipes on Linux, so nothing written is lost.
process.exit(await main(process.argv));
