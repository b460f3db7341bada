// The place of a value inside an argument, named as the contract names the
// `field` of an `invalid-input` (wit/promtail.wit): `entries[3].duration`,
// `entries[0].metadata[1].name`, `labels[0].value`, `auth.basic.user`. The
// wrapper names a value it refuses this way so that a bad value reads the
// same whether the wrapper or the component refused it.
//
// Places are built while a value is walked, and rendered only for an error.

export class Place {
  /**
   * @param {Place | null} up the enclosing place
   * @param {string} text this place's part of the name (`[3]`, `.duration`)
   * @param {boolean} hidden left out of the name unless it names the value
   *   refused itself: the contract names an event's fields directly on the
   *   entry (`entries[3].duration`), and the event as a whole `.event`.
   */
  constructor(up, text, hidden = false) {
    this.up = up;
    this.text = text;
    this.hidden = hidden;
  }

  /** The argument or setting itself: `entries`, `timeout-ms`. */
  static root(name, hidden = false) {
    return new Place(null, name, hidden);
  }

  /** An item of a list. */
  index(i) {
    return new Place(this, `[${i}]`);
  }

  /** A named part: a record field, a variant case, a pair's name or value. */
  field(name, hidden = false) {
    return new Place(this, `.${name}`, hidden);
  }

  toString() {
    const parts = [];
    for (let p = this; p !== null; p = p.up) {
      if (!p.hidden || p === this) parts.unshift(p.text);
    }
    return parts.join('').replace(/^\./, '');
  }
}
