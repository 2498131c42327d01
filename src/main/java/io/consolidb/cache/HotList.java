package io.consolidb.cache;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster's hot keys in Redis, under the cache's key prefix: a sorted set
 * {@code <prefix>#hot} (key → score) and a hash {@code <prefix>#hot:reads} (key → its
 * {@link Replay}), both expiring {@code listTtl} after the last node added to them. Each node adds
 * its hottest keys every {@code DB_CACHE_WARM_PUBLISH_SECONDS}; a starting node reads the top N.
 *
 * <p>Score: each publication first halves every score, then adds the publishing node's reads of
 * each of its keys, so a key read on several nodes ranks above one read on one, and a key nobody
 * reads any more fades out. The set keeps at most {@code 2 × keys} members; those dropped leave
 * the hash in the same script.
 */
final class HotList {

  /**
   * KEYS[1] the set, KEYS[2] the hash; ARGV ttl ms, most members kept, then key, reads, replay
   * triples.
   */
  private static final String PUBLISH = """
      if redis.call('EXISTS', KEYS[1]) == 1 then
        redis.call('ZUNIONSTORE', KEYS[1], 1, KEYS[1], 'WEIGHTS', 0.5)
      end
      for i = 3, #ARGV, 3 do
        redis.call('ZINCRBY', KEYS[1], ARGV[i + 1], ARGV[i])
        redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
      end
      local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
      if extra > 0 then
        local gone = redis.call('ZRANGE', KEYS[1], 0, extra - 1)
        redis.call('ZREMRANGEBYRANK', KEYS[1], 0, extra - 1)
        for _, key in ipairs(gone) do
          redis.call('HDEL', KEYS[2], key)
        end
      end
      redis.call('PEXPIRE', KEYS[1], ARGV[1])
      redis.call('PEXPIRE', KEYS[2], ARGV[1])
      return redis.call('ZCARD', KEYS[1])
      """;

  /** KEYS[1] the set, KEYS[2] the hash; ARGV n: the n best keys, each followed by its replay (or nil). */
  private static final String TOP = """
      local keys = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
      local out = {}
      for _, key in ipairs(keys) do
        out[#out + 1] = key
        out[#out + 1] = redis.call('HGET', KEYS[2], key)
      end
      return out
      """;

  /** One key of the list with its replay as stored (null when the hash lost it). */
  record Entry(String key, String replayJson) {
  }

  private final RedisTier redis;
  private final String setKey;
  private final String hashKey;

  HotList(RedisTier redis) {
    this.redis = redis;
    this.setKey = redis.prefix() + "#hot";
    this.hashKey = redis.prefix() + "#hot:reads";
  }

  /** Adds this node's ranking ({@code hot}, most read first); keeps at most {@code keep} keys. */
  Future<Void> publish(List<HotKeys.Hot> hot, int keep, long ttlMs, long timeoutMs) {
    Request eval = Request.cmd(Command.EVAL).arg(PUBLISH).arg(2).arg(setKey).arg(hashKey).arg(ttlMs).arg(keep);
    for (HotKeys.Hot key : hot) {
      eval.arg(key.key()).arg(key.reads()).arg(key.replay().toJson().encode());
    }
    return redis.send(eval, timeoutMs).mapEmpty();
  }

  /** The {@code n} hottest keys of the cluster, hottest first (empty when there is no list). */
  Future<List<Entry>> top(int n, long timeoutMs) {
    return redis.send(Request.cmd(Command.EVAL).arg(TOP).arg(2).arg(setKey).arg(hashKey).arg(n), timeoutMs)
        .map(reply -> {
          List<Entry> entries = new ArrayList<>();
          if (reply == null) {
            return entries;
          }
          for (int i = 0; i + 1 < reply.size(); i += 2) {
            Response replay = reply.get(i + 1);
            entries.add(new Entry(reply.get(i).toString(), replay == null ? null : replay.toString()));
          }
          return entries;
        });
  }
}
