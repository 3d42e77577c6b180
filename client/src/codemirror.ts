// Tandem's CodeMirror 6 binding, a separate entry point so the core library does not pull in
// CodeMirror (a peer dependency: @codemirror/state and @codemirror/view).
export { tandemCollab } from './bindings/codemirror.js';
