// Limits the pages speak of, stated once: the core's (docs/api.md, "Limits"; the core enforces
// them and says so, these only shape the controls and the sentences about them) and the lessons'.

/** The most tokens T, the widest d_in / d_out, the most heads the core's JSON path takes. */
export const CORE_LIMITS = Object.freeze({ tokens: 1024, d: 1024, num_heads: 64 });

/**
 * The most tokens a lesson draws by default: a longer sentence is cut (and the page says so), since
 * a T×T heatmap of hundreds of tokens would freeze the page and read as noise.
 */
export const DISPLAY_LIMIT = 16;

/** A token index (a query picked, a word being written): 0 to the core's last token. */
export const TOKEN_INDEX_MAX = CORE_LIMITS.tokens - 1;

/** Seeds are unsigned 32-bit numbers. */
export const SEED_MAX = 4294967295;

/** The longest sentence a link or the form may hold (characters), and the longest `emb` edit list. */
export const SENTENCE_MAX = 4000;
export const EDITS_MAX = 8000;
