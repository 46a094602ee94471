// Minimal protobuf wire-format writer: just what serializing an ONNX ModelProto needs.
const enc = new TextEncoder();

export class ProtoWriter {
  #chunks: Uint8Array[] = [];
  #scratch: number[] = [];
  #length = 0;

  get length(): number {
    this.#flush();
    return this.#length;
  }

  #flush(): void {
    if (this.#scratch.length) {
      const b = Uint8Array.from(this.#scratch);
      this.#scratch = [];
      this.#chunks.push(b);
      this.#length += b.length;
    }
  }

  #varint(v: bigint): void {
    // int64 negatives are encoded as their 64-bit two's complement (10 bytes).
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.#scratch.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.#scratch.push(Number(x));
  }

  #tag(field: number, wire: 0 | 2 | 5): void {
    this.#varint(BigInt((field << 3) | wire));
  }

  int(field: number, v: number | bigint): this {
    this.#tag(field, 0);
    this.#varint(BigInt(v));
    return this;
  }

  float(field: number, v: number): this {
    this.#tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.#scratch.push(...b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.#tag(field, 2);
    this.#varint(BigInt(b.length));
    this.#flush();
    this.#chunks.push(b);
    this.#length += b.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, enc.encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    this.#flush();
    if (this.#chunks.length === 1) return this.#chunks[0];
    const out = new Uint8Array(this.#length);
    let o = 0;
    for (const c of this.#chunks) {
      out.set(c, o);
      o += c.length;
    }
    this.#chunks = [out];
    return out;
  }
}
