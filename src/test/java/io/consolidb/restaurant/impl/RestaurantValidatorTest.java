package io.consolidb.restaurant.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.FailureCodes;
import io.consolidb.restaurant.RestaurantLimits;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.Test;

class RestaurantValidatorTest {

  @Test
  void terms_countsWordsNotOperatorsOrPunctuation() {
    assertThat(RestaurantValidator.terms("\"kosher pizza\" -dairy OR grill")).isEqualTo(4);
    assertThat(RestaurantValidator.terms("  bagel  ")).isEqualTo(1);
    assertThat(RestaurantValidator.terms("café-bistro 24/7")).isEqualTo(4);
    assertThat(RestaurantValidator.terms("\"\" - or OR")).isZero();
  }

  @Test
  void query_atTheCap_isAccepted() {
    String eight = "a b c d e f g h";
    assertThat(RestaurantValidator.terms(eight)).isEqualTo(RestaurantLimits.MAX_QUERY_TERMS);
    assertThat(RestaurantValidator.query(" " + eight + " ")).isEqualTo(eight);
  }

  @Test
  void query_aboveTheCap_is400NamingTheCap() {
    assertThatThrownBy(() -> RestaurantValidator.query("a OR b OR c OR d OR e OR f OR g OR h OR i"))
        .isInstanceOf(ServiceException.class)
        .satisfies(e -> assertThat(((ServiceException) e).failureCode()).isEqualTo(FailureCodes.INVALID_INPUT))
        .hasMessage("query has 9 words: at most 8 are searched");
  }
}
