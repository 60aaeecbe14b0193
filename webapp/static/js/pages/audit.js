import { startPage } from "../settings/common.js";

startPage(async () => {});
