package io.accessplan.model.train;

import io.accessplan.model.Observation;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.evaluate.EvaluationReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training on several datasets at once, simulated and measured: the union of their rows (in the
 * order given; training on {@code A,B} is training on one dataset holding both), each measured row
 * counting {@code measuredWeight} times, and the model judged on the measured rows beside the
 * simulated cross-validation ({@link MeasuredValidation}).
 *
 * <h2>How a measured row counts as the truth for its card</h2>
 * A measured card's device profile is what the card itself measured (its achieved GEMM rate, copy
 * bandwidth, capacity under the cap it ran with), so the device features put its rows apart from
 * every catalog device: no simulated row claims to be that card, and the trees learn the card from
 * its own rows. The simulator fills in the space around them best as the card's calibrated twin:
 * {@code calibrate} fits the simulator to the card's rows, {@code sweep --backend sim --profile P}
 * sweeps the twin on the card's devices, and those rows (still {@code backend = sim}) train beside
 * the measured ones.
 *
 * <h2>Designs compared</h2>
 * On 1/5 of {@code sim-standard} (every 5th part, 10,010 rows) with both measured cards, 150
 * trees, eta 0.2, protocol (a) of {@link MeasuredValidation} (5 folds; the whole table in the
 * session's report):
 * <pre>
 *   design                                   step-time MAPE on measured rows   mean regret   top-1
 *                                            all     H200    H100               all           all
 *   1 union, measured weight 1               24.6%   23.6%   27.5%              0.76%         65.9%
 *   2 union, measured weight 20              25.9%   23.7%   32.7%              0.76%         65.9%
 *   3 union + 1/3 of the H200 twin's sweep   14.6%   12.6%   20.7%              0.76%         65.9%
 * </pre>
 * Weighting the measured rows does not help: the trees already split them off by device and a
 * heavier weight only fits their noise. The calibrated twin halves the measured-row step-time
 * error, on the H100 too (whose own twin was not used), because it carries what the card's engine
 * does at shapes no measured row has (the GEMM fill of small shapes, the host optimizer's cost per
 * parameter). The choices (top-1, regret) did not move in any design: on these cards the runner-up
 * strategy is within 0.5% of the best in 24 of 37 H200 workloads and 4 of 7 H100 ones (offload
 * hidden behind compute, sqrt against full on shallow models), inside the measurement noise, and the
 * predictor's tie rule ({@link Choice}) then takes the plainer one. So design 3 is the recommended
 * use (a twin's sweep given to {@code --data}); this class implements all three, and the weight
 * stays 1 by default.
 *
 * <p>Caveat on design 3's figures: the H200 twin was calibrated on 18 of the H200's 25 measured
 * architectures, so its protocol (a) figures on the H200 are not free of those rows; protocol (b)
 * for the H100 (trained on the H200's rows and twin, never the H100's) is.
 *
 * <h2>From one card of an engine to another (protocol (b))</h2>
 * What carries over between the two cards, both measured with one engine (JCuda, the project's
 * PTX GEMM, no cuBLAS), was measured first on the simulator alone: a profile's parameters are
 * fractions of a card's rates, and one card's profile applied to the other card's rates
 * ({@code CalibrationProfile.appliedTo}, {@code crosscheck --transfer}) replays the other card's
 * rows within a step-time MAPE of 13.2% (H200's profile, H100's rows) and 16.4% (an H100 profile
 * fitted without the H200 prior, H200's rows), against 41.6% and 62.9% for the simulator as written.
 * The model trained on one card did not carry as much: trained on {@code sim-standard} and the
 * H100's rows and twin, its MAPE on the H200's rows was 29.8%, worse than the twin it learned from
 * (15.3%). The measured cards' device features are their engine's rates, nearly equal (1918 and 2031
 * GB/s, 31.9 and 31.8 TFLOP/s), but catalog devices lie between (A100 PCIe 80 GB 1935 GB/s, H100 PCIe
 * 2000), so the trees' bandwidth splits put the unseen card with the simulator's catalog rows. Two
 * designs, each tried once on H100 -> H200 ({@code train --data sim-standard,cuda-h100}, then
 * {@code evaluate --data cuda-h200}; 37 workloads, 616 rows), then the kept one checked on
 * H200 -> H100 (7 workloads, 204 rows):
 * <pre>
 *   twin design                                          H100 -> H200              H200 -> H100
 *                                                        MAPE    top-1  regret     MAPE    top-1  regret
 *   the card's devices (before)                          29.8%   75.7%  0.29%      12.3%   42.9%  3.08%
 *   + the card under power-of-two memory caps            30.0%   75.7%  0.29%      -
 *   each workload at rates within 1.3x (kept)            14.3%   75.7%  0.29%      12.2%   42.9%  3.08%
 * </pre>
 * ({@code TwinSweep}: the bandwidth and GEMM rates of each twin workload drawn log-uniformly within
 * a factor 1.3 of the card's; the band was set once, not fitted: the cards differ by 6% and 1%.) With
 * it the H200's 540 rows at 2 GiB have MAPE 15.4% (31.5% before) and its 76 at 4 GiB 6.2% (17.3%).
 * The choices did not move, and cannot much under the predictor's rule ({@link Choice}: never a
 * strategy that does strictly more work than a fitting one): of the 9 H200 misses, in 8 the measured
 * best is offload or selective where keep fits, 7 of them within 2 standard deviations of keep; of
 * the 4 H100 misses, 1 is such (within noise). Those are counted in every report
 * ({@link MeasuredValidation#misses}). Protocol (a) on the H200 with this twin: top-1 75.7%, regret
 * 0.29%, MAPE 9.84% (9.78% before), peak MAPE 0.84%.
 */
public final class MultiSourceTrainer {
    /** How many times a measured row counts, by default (see the class comment). */
    public static final int DEFAULT_MEASURED_WEIGHT = 1;

    private MultiSourceTrainer() {
    }

    /**
     * A trained model and every report of it.
     *
     * @param train      the training result (model, simulated-and-measured grouped CV)
     * @param measuredCv protocol (a) over the measured rows: "all", then per card (empty without)
     * @param leaveCard  protocol (b): per held-out card (empty with fewer than two measured cards)
     */
    public record Result(TrainResult train, Map<String, EvaluationReport> measuredCv,
                         Map<String, EvaluationReport> leaveCard) {
    }

    /** The union of several datasets' observations, in the order given. */
    public static List<Observation> union(List<List<Observation>> datasets) {
        List<Observation> out = new ArrayList<>();
        datasets.forEach(out::addAll);
        return out;
    }

    /**
     * Trains on the rows; where some are measured and cross-validation is on, also runs protocols
     * (a) with {@code measuredFolds} folds and (b), and records their figures in the model's
     * metadata (keys {@code measured-cv/...} and {@code leave-card-out/<card>/...}).
     */
    public static Result train(List<Observation> rows, TrainOptions o, int measuredWeight, int measuredFolds) {
        if (rows == null || rows.isEmpty()) {
            throw new IllegalArgumentException("Invalid training data: no rows");
        }
        return train(EncodedRows.of(rows), o, measuredWeight, measuredFolds);
    }

    /** As {@link #train(List, TrainOptions, int, int)} on rows already encoded (one encoding for every report). */
    public static Result train(EncodedRows d, TrainOptions o, int measuredWeight, int measuredFolds) {
        TrainResult r = ModelTrainer.train(d, o, measuredWeight);
        Map<String, EvaluationReport> a = Map.of();
        Map<String, EvaluationReport> b = Map.of();
        if (o.folds() >= 2 && MeasuredValidation.anyMeasured(d.rows)) {
            // the protocols judge the step-time level form the model kept
            TrainOptions kept = o.withStepLevel(ModelTrainer.form(r.model()));
            a = MeasuredValidation.groupedByArchitecture(d, kept, measuredFolds, measuredWeight);
            b = MeasuredValidation.leaveOneCardOut(d, kept, measuredWeight);
        }
        Map<String, Object> more = new LinkedHashMap<>();
        more.put("measured_weight", measuredWeight);
        a.forEach((name, rep) -> put(more, "measured-cv/" + name + "/", rep));
        b.forEach((card, rep) -> put(more, "leave-card-out/" + card + "/", rep));
        StrategyModel m = r.model();
        StrategyModel withFigures = m.withMetadata(m.metadata().withCrossValidation(more));

        return new Result(new TrainResult(withFigures, r.crossValidation(), r.transformMape(), r.seconds()), a, b);
    }

    private static void put(Map<String, Object> into, String prefix, EvaluationReport rep) {
        rep.model().toMap().forEach((k, v) -> putFinite(into, prefix + k, v));
        rep.baselines().forEach((name, m) -> m.toMap().forEach((k, v) -> putFinite(into, prefix + name + "/" + k, v)));
    }

    /** A figure the model file can hold: a baseline without a prediction has no MAPE (NaN), left out. */
    private static void putFinite(Map<String, Object> into, String key, Object v) {
        if (!(v instanceof Double d) || Double.isFinite(d)) {
            into.put(key, v);
        }
    }
}
