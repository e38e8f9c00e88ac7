// Print the JSON-LD contexts the reference packages ship, as {url: document}.
//
// usage: node contexts.mjs
//
// The Python side compares them with the copies bundled in schemas/contexts/.

import {suiteContext} from '@digitalbazaar/ed25519-signature-2020';
import * as statusListContext from '@digitalbazaar/vc-status-list-context';

import {CONTEXTS, run} from './common.mjs';

run(async () => Object.fromEntries([
  ...CONTEXTS, ...suiteContext.contexts, ...statusListContext.contexts,
]));
