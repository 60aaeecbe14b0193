// A page with no data of its own (the not-found page): the top bar and the live indicator.

import { initLayout } from "../core/layout.js";
import * as realtime from "../core/realtime.js";

await initLayout();
realtime.connect();
