// The delivery log of one integration: status, attempts, response code, replay.

import { api } from "../core/api.js";
import { $, announce, h, toast } from "../core/dom.js";
import { fullTime, listTime } from "../core/format.js";

const LABELS = { pending: "Pending", delivering: "Sending", failed: "Retrying", dead: "Dead",
  delivered: "Delivered" };

export class DeliveryLog {
  constructor({ canReplay }) {
    this.canReplay = canReplay;
    this.integration = null;
    this.cursor = null;
    $("#log-close").addEventListener("click", () => this.close());
    $("#log-refresh").addEventListener("click", () => this.load());
    $("#log-status").addEventListener("change", () => this.load());
    $("#log-more").addEventListener("click", () => this.load(true));
  }

  open(integration) {
    this.integration = integration;
    $("#int-log-title").textContent = `Deliveries · ${integration.name}`;
    $("#int-log").hidden = false;
    $("#int-log").scrollIntoView({ block: "nearest" });
    return this.load();
  }

  close() {
    this.integration = null;
    $("#int-log").hidden = true;
  }

  async load(more = false) {
    if (!this.integration) return;
    const query = { status: $("#log-status").value, limit: 50, cursor: more ? this.cursor : null };
    const page = await api.get(`/integrations/${this.integration.id}/deliveries`, query);
    this.cursor = page.next_cursor;
    const rows = page.data.map((d) => this.row(d));
    if (more) $("#log-rows").append(...rows); else $("#log-rows").replaceChildren(...rows);
    $("#log-empty").hidden = $("#log-rows").children.length > 0;
    $("#log-more").hidden = !this.cursor;
  }

  row(d) {
    const replay = this.canReplay && (d.status === "failed" || d.status === "dead")
      ? h("button", { class: "btn btn-sm", type: "button", on: { click: () => this.replay(d) } },
        "Replay")
      : null;
    const next = d.status === "failed" && d.next_attempt_at
      ? h("span", { class: "muted" }, ` · next try ${listTime(d.next_attempt_at)}`) : null;
    return h("tr", { dataset: { id: d.id, status: d.status } },
      h("td", {}, h("span", { class: `chip chip-${d.status}` }, LABELS[d.status] || d.status)),
      h("td", {}, h("span", {}, d.summary || d.event_type),
        h("span", { class: "muted" }, ` · ${d.event_type}`)),
      h("td", {}, `${d.attempts} / ${d.max_attempts}`, next),
      h("td", {}, d.last_status_code === null ? "—" : String(d.last_status_code),
        d.last_error ? h("span", { class: "err" }, d.last_error) : null),
      h("td", { title: fullTime(d.created_at) }, listTime(d.created_at)),
      h("td", {}, replay));
  }

  async replay(d) {
    try {
      await api.post(`/deliveries/${d.id}/replay`);
      announce("Delivery queued again.");
      toast("Queued again: it will be sent in a moment.");
      await this.load();
    } catch (exc) {
      toast(exc.message, "error");
    }
  }
}
