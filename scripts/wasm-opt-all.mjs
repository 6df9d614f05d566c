// Shrinks every WebAssembly module of a folder in place, as `wasm-opt -Oz --strip-debug
// --strip-producers` does, with binaryen 132 from npm (never Debian's older one, which
// miscompiles). A few processes for all of them, not one per module: the npm binaryen is compiled
// to JavaScript and takes about a second to start, which, paid once per module, cost minutes for
// the ~200 chunks wasm-split makes. One worker thread per core takes the next module, largest
// first, from a shared queue. Same passes, same levels, same bytes as the command line.
// Usage: node scripts/wasm-opt-all.mjs <folder>
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

if (isMainThread) {
  const folder = process.argv[2];
  if (!folder) throw new Error('usage: wasm-opt-all.mjs <folder>');
  const queue = readdirSync(folder).filter((name) => name.endsWith('.wasm'))
    .map((name) => join(folder, name))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  const count = queue.length;
  let before = 0;
  let after = 0;
  const workers = Array.from({ length: Math.min(availableParallelism(), count) }, () => new Promise((done, fail) => {
    const worker = new Worker(new URL(import.meta.url));
    worker.on('message', (message) => {
      if (message.done) {
        before += message.before;
        after += message.after;
      }
      const next = queue.shift();
      if (next) worker.postMessage(next);
      else worker.terminate().then(() => done());
    });
    worker.on('error', fail);
  }));
  await Promise.all(workers);
  console.error(`[wasm-opt] ${count} modules, ${before.toLocaleString('en-US')} → ${after.toLocaleString('en-US')} bytes`);
} else {
  const { default: binaryen } = await import('binaryen');
  // The features rustc enables by default for wasm32, as the command line's --enable-* flags turn
  // them on (bulk memory with its opt, reference types with overlong call_indirect).
  const { Features } = binaryen;
  const features = Features.MVP | Features.BulkMemory | Features.BulkMemoryOpt | Features.NontrappingFPToInt | Features.SignExt
    | Features.MutableGlobals | Features.ReferenceTypes | Features.CallIndirectOverlong | Features.Multivalue;
  // -Oz
  binaryen.setOptimizeLevel(2);
  binaryen.setShrinkLevel(2);
  binaryen.setDebugInfo(false);
  // As the command line writes an optimised module: through optimised stack IR.
  binaryen.setGenerateStackIR(true);
  binaryen.setOptimizeStackIR(true);

  parentPort.on('message', (path) => {
    const input = readFileSync(path);
    const module = binaryen.readBinary(input);
    try {
      // Those the module declares (its target_features section), as the command line reads them.
      module.setFeatures(module.getFeatures() | features);
      module.optimize();
      module.runPasses(['strip-debug', 'strip-producers']);
      if (!module.validate()) throw new Error(`${path}: not valid after optimisation`);
      const output = module.emitBinary();
      writeFileSync(path, output);
      parentPort.postMessage({ done: true, before: input.length, after: output.length });
    } finally {
      module.dispose();
    }
  });
  parentPort.postMessage({ done: false });
}
