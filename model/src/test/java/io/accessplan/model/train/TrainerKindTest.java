package io.accessplan.model.train;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerKindTest {

    @Test
    void everyTrainerRoundTripsThroughItsNameAndABadNameIsNamed() {
        for (TrainerKind t : TrainerKind.values()) {
            assertEquals(t, TrainerKind.parse(" " + t.id().toUpperCase() + " "));
        }
        assertEquals(TrainerKind.XGBOOST, TrainerKind.parse(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainerKind.parse("forest"));
        assertTrue(e.getMessage().contains("forest"), e.getMessage());
    }

    @Test
    void eachTrainerRecordsOnlyTheSettingsItReads() {
        TrainOptions d = TrainOptions.defaults();
        Set<String> common = Set.of("trainer", "seed", "folds", "margin_quantile");
        assertEquals(List.of("trainer", "trees", "rank_trees", "max_depth", "eta", "subsample", "colsample",
                "min_child_weight", "lambda", "threads", "seed", "folds", "margin_quantile"),
                List.copyOf(d.hyperparameters().keySet()));
        TrainOptions cart = d.withTrainer(TrainerKind.CART);
        assertEquals(12, ((CartOptions) cart.trainerOptions()).maxDepth());
        assertEquals(5.0, ((CartOptions) cart.trainerOptions()).minChildWeight());
        assertEquals("cart", cart.hyperparameters().get("trainer"));
        assertEquals(Set.of("max_depth", "min_child_weight"), minus(cart.hyperparameters().keySet(), common));
        TrainOptions sgd = d.withTrainer("sgd");
        assertEquals(0.1, ((SgdOptions) sgd.trainerOptions()).learningRate());
        assertEquals(Set.of("epochs", "learning_rate"), minus(sgd.hyperparameters().keySet(), common));
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        java.util.Set<String> s = new java.util.HashSet<>(a);
        s.removeAll(b);
        return s;
    }
}
