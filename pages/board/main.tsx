// The operator's live status board at /board: sign in with the operator token, then watch all
// 64 sites and act on them. body[data-state] is 'login' | 'connected' | 'reconnecting' (tests
// and a wall screen's watchdog read it); each tile carries data-site-id and data-state.
//
// The view is Preact 10 with @preact/signals: what the server pushes is written into signals
// (store.ts), and each component re-renders from the signals it reads; Preact's keyed diffing
// patches the elements in place, so a push never replaces a button under the operator's click.
// Chosen over Lit after measuring one widget, the grid of 64 tiles under a burst of 300
// status:metrics pushes, every tile's numbers changing on each (headless Chromium on this
// 2-core machine, shared with other test runs, so the medians of 5 runs are given; esbuild
// minified):
//   hand-rolled DOM updates:  1.8 KB of widget code;  ~4 ms a push (3.1–5.5), ~80 ms to mount
//   Preact + signals:        +20.5 KB of library (preact with hooks 12.6, signals-core 4.7,
//                            the Preact adapter 3.2); ~5.5–6.7 ms a push (3.9–8.0), ~90–125 ms
// A status push comes about once a second, so either is far inside a frame's budget. Lit is not
// installed here and could not be measured: its published size (~16 KB minified with
// LitElement, about half for lit-html alone) is of the same order, and it updates the same way,
// patching in place the parts of a template that changed.
// Preact won on what this code base checks: JSX is type-checked by tsc (strict) and linted by
// biome, where Lit's html`` templates are strings to both; signals subscribe components by
// themselves; and it was already in devDependencies, so no new package.
import { render } from 'preact';
import { App } from './app.js';
import { initialToken } from './auth.js';
import { loginFocus, signIn } from './sign-in.js';

render(<App />, document.body);
const token = initialToken();
if (token) void signIn(token);
else loginFocus.value++;
