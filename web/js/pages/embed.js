// js/embed.js, loaded in every lesson's <head>: sets embed mode (embed=1) on <html> before the
// first paint. The rest of embedding (hide, lock, the Embed button, the height) runs with the
// lesson's bundle (ui/embed.js, started by ui/lesson.js).
import { markEmbedMode } from '../ui/embed.js';

markEmbedMode();
