package io.consolidb.service;

import java.util.List;

/**
 * Bounds that more than one service enforces, kept here so that no service package depends on
 * another: a restaurant has a kosher category and a price range, and a user's preferences name
 * the same ones. {@code RestaurantLimits} and {@code UserLimits} publish them under their own
 * names.
 */
public final class SharedLimits {

  /** Allowed values of a kosher category. */
  public static final List<String> KOSHER_CATEGORIES = List.of("meat", "dairy", "pareve", "fish");
  /** Price range: 1 (cheap) to 4 (expensive). */
  public static final int MIN_PRICE_RANGE = 1;
  public static final int MAX_PRICE_RANGE = 4;

  private SharedLimits() {
  }
}
