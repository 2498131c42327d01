package io.consolidb.service;

/**
 * The result field by which a service's cached read says where it came from: {@code "HIT"} when
 * served from the cache, {@code "MISS"} when read from PostgreSQL; absent when the node does not
 * cache. Set by the restaurant and analytics services; the HTTP API moves it into the
 * {@code X-Cache} response header.
 */
public final class CacheMark {

  /** The name of the field. */
  public static final String FIELD = "_cache";

  private CacheMark() {
  }
}
