package io.consolidb.restaurant.impl;

/**
 * The restaurant service's own statements, for benchmarks that run them on a bare pool as the
 * baseline the service is measured against ({@link RestaurantSql} itself is package-private).
 */
public final class RestaurantSqlForBenchmarks {

  /** {@link RestaurantSql#BY_ID}. */
  public static final String BY_ID = RestaurantSql.BY_ID;
  /** {@link RestaurantSql#NEAR}. */
  public static final String NEAR = RestaurantSql.NEAR;
  /** {@link RestaurantSql#INSERT}. */
  public static final String INSERT = RestaurantSql.INSERT;

  private RestaurantSqlForBenchmarks() {
  }
}
