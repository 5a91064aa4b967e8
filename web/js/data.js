// The data tools/build-web.mjs generates at build time, bundled into every page that imports it:
// the book's running example (tests/data/book_ch03.json), the C++ excerpts the lessons show
// (core/src/*.cpp) and the build stamp. See web/types/globals.d.ts for their types.
export { book } from 'attn:book';
export { code, build } from 'attn:generated';
