package io.consolidb.cache;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * How a cached value is stored in Redis: one format byte, then either the JSON text ({@code J})
 * or, for values whose JSON is longer than the threshold, {@code L}, the JSON's length (int) and
 * its LZ4 block. LZ4 because it compresses at several hundred MB/s and decompresses faster
 * still: on a cache hit the decompression is on the request path (docs/CACHE.md has the cost).
 * Decompression uses the bounds-checking decompressor: the Redis may be shared with other
 * applications, so a stored value is not trusted to be well formed.
 */
final class ValueCodec {

  private static final byte RAW = 'J';
  private static final byte LZ4 = 'L';
  /** Largest value accepted back from Redis (a corrupt length must not allocate gigabytes). */
  private static final int MAX_DECODED_BYTES = 64 * 1024 * 1024;
  private static final LZ4Factory FACTORY = LZ4Factory.fastestInstance();
  private static final LZ4Compressor COMPRESSOR = FACTORY.fastCompressor();
  private static final LZ4SafeDecompressor DECOMPRESSOR = FACTORY.safeDecompressor();

  private final int thresholdBytes;

  ValueCodec(int thresholdBytes) {
    this.thresholdBytes = thresholdBytes;
  }

  /** The stored form of a JSON value; {@code json} is its encoding (already computed by the caller). */
  Encoded encode(Buffer json) {
    byte[] raw = json.getBytes();
    if (thresholdBytes <= 0 || raw.length <= thresholdBytes) {
      return new Encoded(Buffer.buffer(raw.length + 1).appendByte(RAW).appendBytes(raw), raw.length, false);
    }
    byte[] block = new byte[COMPRESSOR.maxCompressedLength(raw.length)];
    int length = COMPRESSOR.compress(raw, 0, raw.length, block, 0, block.length);
    if (length + 5 >= raw.length + 1) { // incompressible: keep it raw
      return new Encoded(Buffer.buffer(raw.length + 1).appendByte(RAW).appendBytes(raw), raw.length, false);
    }
    Buffer stored = Buffer.buffer(length + 5).appendByte(LZ4).appendInt(raw.length).appendBytes(block, 0, length);
    return new Encoded(stored, raw.length, true);
  }

  /** The JSON value (a {@link JsonArray} or {@link JsonObject}) and its JSON length. */
  static Decoded decode(Buffer stored) {
    if (stored == null || stored.length() < 2) {
      throw new IllegalArgumentException("not a cached value");
    }
    byte format = stored.getByte(0);
    Buffer json;
    if (format == RAW) {
      json = stored.slice(1, stored.length());
    } else if (format == LZ4) {
      int rawLength = stored.getInt(1);
      if (rawLength <= 0 || rawLength > MAX_DECODED_BYTES) {
        throw new IllegalArgumentException("corrupt cached value length " + rawLength);
      }
      byte[] block = stored.getBytes(5, stored.length());
      byte[] raw = new byte[rawLength];
      int n = DECOMPRESSOR.decompress(block, 0, block.length, raw, 0, rawLength);
      if (n != rawLength) {
        throw new IllegalArgumentException("corrupt cached value");
      }
      json = Buffer.buffer(raw);
    } else {
      throw new IllegalArgumentException("unknown cached value format " + format);
    }
    return new Decoded(parse(json), json.length());
  }

  static Object parse(Buffer json) {
    for (int i = 0; i < json.length(); i++) {
      switch (json.getByte(i)) {
        case ' ', '\t', '\r', '\n' -> { }
        case '[' -> { return new JsonArray(json); }
        case '{' -> { return new JsonObject(json); }
        default -> throw new IllegalArgumentException("a cached value is a JSON array or object");
      }
    }
    throw new IllegalArgumentException("a cached value is a JSON array or object");
  }

  /** The stored bytes, the JSON's length and whether it was compressed. */
  record Encoded(Buffer stored, int jsonBytes, boolean compressed) {
    int saved() {
      return jsonBytes + 1 - stored.length();
    }
  }

  record Decoded(Object value, int jsonBytes) {
  }
}
