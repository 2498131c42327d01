package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The hot-key counter: bounded memory, ranking by reads, aging, and reads that cannot be replayed. */
class HotKeysTest {

  /** A service read of key {@code k}: its replay is its query request. */
  private static final class Read extends RowsLoader {
    private final JsonObject request;

    Read(int k) {
      request = new JsonObject().put("operation", "t").put("sql", "SELECT $1::int AS k").put("params", JsonArray.of(k))
          .put("readOnly", true);
    }

    @Override
    public Future<JsonArray> load() {
      return Future.succeededFuture(new JsonArray());
    }

    @Override
    public JsonObject replay() {
      return request;
    }
  }

  private static CacheSpec spec(int k) {
    return new CacheSpec(60, "k:" + k, List.of("t"));
  }

  private static void read(HotKeys hot, int k) {
    hot.record("k:" + k, new Read(k), spec(k));
  }

  @Test
  void record_millionOneOffKeys_boundedAndHotKeysKept() {
    HotKeys hot = new HotKeys(256, 1);
    for (int i = 0; i < 200_000; i++) {
      read(hot, 1_000_000 + i); // a scan: each key once
      if (i % 100 == 0) {
        read(hot, i % 1000 / 100); // ten hot keys, 200 reads each over the scan
      }
    }
    assertThat(hot.tracked()).isLessThanOrEqualTo(256);
    assertThat(hot.rank(10)).extracting(HotKeys.Hot::key)
        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 10).mapToObj(k -> "k:" + k).toList());
  }

  @Test
  void rank_mostReadFirst_withTheirReplay() {
    HotKeys hot = new HotKeys(1024, 1);
    for (int k = 1; k <= 5; k++) {
      for (int i = 0; i < k * 10; i++) {
        read(hot, k);
      }
    }
    List<HotKeys.Hot> ranked = hot.rank(3);
    assertThat(ranked).extracting(HotKeys.Hot::key).containsExactly("k:5", "k:4", "k:3");
    assertThat(ranked).extracting(HotKeys.Hot::reads).containsExactly(50L, 40L, 30L);
    assertThat(ranked.get(0).replay().request().getJsonArray("params")).isEqualTo(JsonArray.of(5));
    assertThat(ranked.get(0).replay().spec()).isEqualTo(spec(5));
  }

  @Test
  void rank_sampled_keepsTheOrderOfClearlyHotterKeys() {
    HotKeys hot = new HotKeys(1024, 8);
    for (int i = 0; i < 8000; i++) {
      read(hot, 1);
      if (i % 4 == 0) {
        read(hot, 2);
      }
      if (i % 40 == 0) {
        read(hot, 3);
      }
    }
    assertThat(hot.rank(2)).extracting(HotKeys.Hot::key).containsExactly("k:1", "k:2");
  }

  @Test
  void rank_halvesCounts_keysNotReadFadeOut() {
    HotKeys hot = new HotKeys(1024, 1);
    for (int i = 0; i < 8; i++) {
      read(hot, 1);
    }
    assertThat(hot.rank(1).get(0).reads()).isEqualTo(8);
    assertThat(hot.rank(1).get(0).reads()).isEqualTo(4);
    read(hot, 2);
    read(hot, 2);
    read(hot, 2);
    assertThat(hot.rank(2)).extracting(HotKeys.Hot::key).containsExactly("k:2", "k:1");
    hot.rank(2);
    hot.rank(2);
    assertThat(hot.rank(2)).isEmpty();
    assertThat(hot.tracked()).isZero();
  }

  @Test
  void record_readWithoutReplay_notTracked() {
    HotKeys hot = new HotKeys(1024, 1);
    RowsLoader opaque = new RowsLoader() {
      @Override
      public Future<JsonArray> load() {
        return Future.succeededFuture(new JsonArray());
      }
    };
    hot.record("opaque", opaque, new CacheSpec(60, "opaque", List.of()));
    assertThat(hot.rank(10)).isEmpty();
  }

  @Test
  void replay_onlyForTheKeyItProducesAndReadOnly() {
    JsonObject request = new Read(7).replay();
    Replay replay = Replay.of("k:7", request, spec(7));
    assertThat(Replay.of("k:8", request, spec(7))).as("another key's spec").isNull();
    assertThat(Replay.fromJson("k:7", replay.toJson().encode())).isEqualTo(replay);
    assertThat(Replay.fromJson("k:8", replay.toJson().encode())).isNull();
    JsonObject write = replay.toJson();
    write.getJsonObject("request").put("readOnly", false);
    assertThat(Replay.fromJson("k:7", write.encode())).as("a write is never run by warming").isNull();
    assertThat(Replay.fromJson("k:7", "not json")).isNull();
    CacheSpec hashed = new CacheSpec(60, null, List.of());
    String key = hashed.keyFor(request.getString("sql"), request.getValue("params"));
    assertThat(Replay.of(key, request, hashed)).isNotNull();
    JsonObject huge = request.copy().put("params", JsonArray.of("x".repeat(Replay.MAX_JSON_CHARS)));
    assertThat(Replay.of(hashed.keyFor(huge.getString("sql"), huge.getValue("params")), huge, hashed))
        .as("a description too large to keep").isNull();
  }

  @Test
  void sizes_atLeastOne() {
    assertThat(new HotKeys(1, 1).tracked()).isZero();
    assertThatThrownBy(() -> new HotKeys(0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HotKeys(1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sampled_oneReadInNIsCounted_asNReads() {
    HotKeys hot = new HotKeys(1024, 8);
    for (int i = 0; i < 8000; i++) {
      read(hot, 1);
    }
    // about 1000 samples of 8 reads each: far from 64000, as counting every read would give
    assertThat(hot.rank(1).get(0).reads()).isBetween(6_000L, 10_000L);
  }

  @Test
  void tracked_countsTheKeysHeld() {
    HotKeys hot = new HotKeys(16, 1);
    read(hot, 1);
    read(hot, 2);
    read(hot, 2);
    assertThat(hot.tracked()).isEqualTo(2);
  }
}
