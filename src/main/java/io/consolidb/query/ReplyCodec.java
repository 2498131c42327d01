package io.consolidb.query;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

/**
 * Hands a reply's JSON to the node-local requester without the deep copy the default JSON codec
 * makes on local delivery (measured on Vert.x 5.0.7: ~166k/s for a 50-row value with the copy,
 * ≥ 800k/s without). Safe because ownership moves: the query endpoint builds a fresh object
 * per reply and never touches it after replying. Replies to node-local requests never go over
 * the wire; the wire methods exist for completeness.
 */
final class ReplyCodec implements MessageCodec<JsonObject, JsonObject> {

  static final String NAME = "consolidb.query.reply";

  @Override
  public void encodeToWire(Buffer buffer, JsonObject json) {
    Buffer encoded = json.toBuffer();
    buffer.appendInt(encoded.length()).appendBuffer(encoded);
  }

  @Override
  public JsonObject decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return new JsonObject(buffer.slice(pos + 4, pos + 4 + length));
  }

  @Override
  public JsonObject transform(JsonObject json) {
    return json;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
