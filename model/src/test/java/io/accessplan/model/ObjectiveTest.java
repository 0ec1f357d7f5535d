package io.accessplan.model;

import io.accessplan.features.Strategy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The objective rules against hand-computed answers. */
class ObjectiveTest {
    private static Prediction p(String s, double ms, boolean fits) {
        return new Prediction(Strategy.parse(s), ms, ms, ms, 1e9, 1e9, 1e9, 1_000_000_000L, 1e9, 2_000_000_000L, fits);
    }

    // keep is fastest; full is 20% slower and cheapest in energy; offload 4% slower, cheaper than keep
    private final List<Prediction> ps = List.of(p("keep", 100, true), p("offload", 104, true), p("full", 120, true),
            p("keep+mb2", 90, false));
    private final double[] energy = {50, 45, 40, 30};

    @Test
    void eachRulePicksWhatItsDefinitionSays() {
        assertEquals(0, Objective.TIME.choose(ps, energy, 0.0));
        assertEquals(2, Objective.ENERGY.choose(ps, energy, 0.0));   // keep+mb2 is cheaper but does not fit
        assertEquals(1, Objective.parse("energy-within:5%").choose(ps, energy, 0.0));
        assertEquals(0, Objective.parse("energy-within:0%").choose(ps, energy, 0.0));
        assertEquals(2, Objective.parse("energy-within:0.25").choose(ps, energy, 0.0));
    }

    @Test
    void withNothingFittingTheEnergyRulesGiveTheLeanestLikeTime() {
        List<Prediction> none = List.of(p("keep", 100, false), p("full", 120, false));
        assertEquals(Objective.TIME.choose(none, new double[]{1, 2}, 0.03),
                Objective.ENERGY.choose(none, new double[]{1, 2}, 0.03));
    }

    @Test
    void parseRoundTripsAndRejectsBadValuesNamingThem() {
        for (String s : new String[]{"time", "energy", "energy-within:5%", "energy-within:12.5%"}) {
            assertEquals(s, Objective.parse(s).toString());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Objective.parse("joules"));
        assertTrue(e.getMessage().contains("joules"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Objective.parse("energy-within:-5%"));
        assertTrue(e.getMessage().contains("-0.05"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Objective.parse("energy-within:abc"));
        assertTrue(e.getMessage().contains("energy-within:abc"), e.getMessage());
    }

    @Test
    void anEnergyRuleWithoutEnergiesIsRefusedInOneLine() {
        double[] nan = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Objective.ENERGY.choose(ps, nan, 0.0));
        assertTrue(e.getMessage().contains("retrain"), e.getMessage());
        assertEquals(0, Objective.TIME.choose(ps, nan, 0.0));
    }
}
