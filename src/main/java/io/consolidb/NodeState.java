package io.consolidb;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;

/**
 * Node-wide facts that several verticles read, kept in one Vert.x local map (thread-safe, never
 * leaves the node). Only facts that change rarely belong here; everything else is asked over the
 * event bus from the verticle that owns it.
 */
public final class NodeState {

  private static final String MAP = "consolidb.node";
  private static final String SCHEMA_PENDING = "schemaPending";

  private NodeState() {
  }

  /** True while the schema bootstrap has not yet brought the schema up to date. */
  public static boolean schemaPending(Vertx vertx) {
    return Boolean.TRUE.equals(map(vertx).get(SCHEMA_PENDING));
  }

  public static void schemaPending(Vertx vertx, boolean pending) {
    if (pending) {
      map(vertx).put(SCHEMA_PENDING, true);
    } else {
      map(vertx).remove(SCHEMA_PENDING);
    }
  }

  private static LocalMap<String, Object> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }
}
