package io.accessplan.predictor;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.features.encode.Analysis;
import io.accessplan.features.plan.Plan;
import io.accessplan.model.Observation;
import io.accessplan.model.Prediction;
import io.accessplan.model.StrategyModel;
import io.accessplan.model.train.ModelTrainer;
import io.accessplan.model.train.StepLevel;
import io.accessplan.model.train.TrainOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layer search's fits-only probes ({@link StrategyModel#probe}) against full predictions, on
 * both model forms: the bundled model and the model module's checked-in {@code shipped-v5} (the
 * absolute form: absolute, peak and within-workload forests), and a small level-form model (peak
 * and within-workload forests, a one-row level regressor) trained here on analytic stand-in rows,
 * not measurements. A probe's
 * fit equals its full prediction's, and the search answers exactly what the search that predicted
 * every probe in full answered (kept here as {@link #fullPredictionSearch}: the same gallop from
 * the interpolated guess, then bisection, each probe predicted in full); a
 * probe carried on to its full prediction ({@link StrategyModel#predictProbed}, what the search does
 * with each group's found count) equals that prediction made afresh, and a probe of another
 * workload or of another model is refused.
 */
class FitsOnlySearchTest {
    /** The model module's checked-in absolute-form file (schema 5, with a within-workload regressor). */
    private static final Path ABSOLUTE_FORM = Path.of("../model/src/test/resources/io/accessplan/model/shipped-v5.apmodel");

    private static StrategyModel level;

    /**
     * A level-form model of 40 trees trained on SYNTHETIC rows: every candidate of 80 workloads, the
     * step time the planner's analytic estimate, the peak the analytic one plus 64 MiB, with a
     * deterministic ~1% "noise" (not measurements; enough for peaks that fit and do not).
     */
    private static synchronized StrategyModel levelForm() {
        if (level == null) {
            List<Observation> rows = new ArrayList<>();
            for (Workload w : Workloads.random(80, 4040)) {
                for (Analysis a : Analysis.all(w, Strategy.candidates(w))) {
                    Plan p = a.plan();
                    double noise = 1 + 0.01 * (((w.id() + p.strategy()).hashCode() & 1023) / 1023.0 - 0.5);
                    long peak = (long) (p.peakMemoryBytes() * noise) + (64L << 20);
                    boolean oom = peak > w.device().memoryBytes();
                    double t = a.step().estimateMs() * noise;
                    rows.add(new Observation(w, p.strategy(), p.measured("synthetic", 3, oom ? Double.NaN : t,
                            oom ? Double.NaN : t * 0.01, peak, oom, "analytic stand-in (test)")));
                }
            }
            TrainOptions o = TrainOptions.defaults().withTrees(40, 5).withFolds(0).withStepLevel(StepLevel.REGRESSOR);
            level = ModelTrainer.train(rows, o).model();
        }
        return level;
    }

    private static StrategyModel model(String form) throws IOException {
        if (form.equals("bundled")) {
            return AccessPlanner.bundled().model();
        }
        if (form.equals("level")) {
            return levelForm();
        }
        assertTrue(Files.isRegularFile(ABSOLUTE_FORM), ABSOLUTE_FORM.toAbsolutePath() + " missing");
        return StrategyModel.load(ABSOLUTE_FORM);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bundled", "absolute", "level"})
    void aFitsOnlyAnswerEqualsTheFullPredictionsFit(String form) throws IOException {
        StrategyModel m = model(form);
        // the bundled model is trained in the level form (sim-standard's grouped CV keeps it), the checked-in file is not
        boolean levelForm = !form.equals("absolute");
        assertEquals(levelForm, m.levelModel() != null, "form of the " + form + " model");
        assertEquals(levelForm, m.ensemble().time() == null);
        SplittableRandom r = new SplittableRandom(1712);
        int fit = 0;
        int unfit = 0;
        for (Workload w : Workloads.random(250, 1712)) {
            StrategyModel.Scored sc = m.score(w);
            List<Strategy> ss = new ArrayList<>(m.candidates(w));
            int layers = w.model().layers();
            for (Strategy s : m.candidates(w)) {
                if (s.policy().partial() && layers > 1) {
                    ss.add(s.withPolicyLayers(1 + r.nextInt(layers)));
                    ss.add(s.withPolicyLayers(1 + r.nextInt(layers)));
                }
            }
            java.util.Collections.shuffle(ss, new java.util.Random(r.nextLong()));
            List<Strategy> some = ss.subList(0, 1 + r.nextInt(ss.size()));
            List<StrategyModel.Probe> probes = m.probe(w, some);
            List<Prediction> full = m.predictAt(w, some, sc.level());
            assertEquals(full.size(), probes.size());
            // a probe carried on to its full prediction is the prediction made afresh, bit for bit
            assertEquals(full, m.predictProbed(w, probes, sc.level()), w.canonical());
            for (int i = 0; i < probes.size(); i++) {
                Prediction p = full.get(i);
                boolean fits = probes.get(i).fits();
                assertEquals(p.fits(), fits, w.canonical() + " " + p.strategy());
                assertEquals(p.requiredBytes() <= p.capacityBytes(), fits);
                if (fits) {
                    fit++;
                } else {
                    unfit++;
                }
            }
        }
        assertTrue(fit > 500 && unfit > 500, "fit " + fit + ", unfit " + unfit);
        assertEquals(0, m.probe(Workloads.random(1, 3).get(0), List.of()).size());
        List<Workload> two = Workloads.random(2, 5);
        List<StrategyModel.Probe> other = m.probe(two.get(0), m.candidates(two.get(0)).subList(0, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.predictProbed(two.get(1), other, 0));
        assertTrue(e.getMessage().startsWith("Probe of "), e.getMessage());
        StrategyModel same = m.withMetadata(m.metadata());   // the same forests, another model object
        e = assertThrows(IllegalArgumentException.class, () -> same.predictProbed(two.get(0), other, 0));
        assertTrue(e.getMessage().endsWith("made by another model"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bundled", "absolute", "level"})
    void theSearchAnswersBitForBitAsTheSearchOfFullPredictions(String form) throws IOException {
        StrategyModel m = model(form);
        AccessPlanner planner = AccessPlanner.of(m);
        int searched = 0;
        for (Workload w : Workloads.random(500, 1226)) {
            StrategyModel.Scored sc = m.score(w);
            List<Prediction> want = fullPredictionSearch(m, w, sc);
            List<Prediction> got = planner.searchLayers(w, sc);
            assertEquals(want, got, w.canonical());
            for (int i = sc.predictions().size(); i < got.size(); i++) {
                assertTrue(got.get(i).strategy().isPartial() && got.get(i).fits(), got.get(i).toString());
            }
            searched += got.size() - sc.predictions().size();
        }
        assertTrue(searched >= 30, "searched " + searched);
    }

    /** The layer search with every probe predicted in full (its rule written out again, counting each round's verdicts). */
    static List<Prediction> fullPredictionSearch(StrategyModel model, Workload w, StrategyModel.Scored scored) {
        List<Prediction> ps = scored.predictions();
        int layers = w.model().layers();
        if (layers < 2) {
            return ps;
        }
        List<Prediction> wholes = new ArrayList<>();
        List<Prediction> keeps = new ArrayList<>();
        for (Prediction p : ps) {
            Strategy s = p.strategy();
            if (!s.policy().partial() || !p.fits()) {
                continue;
            }
            Prediction keep = null;
            for (Prediction q : ps) {
                Strategy k = q.strategy();
                if (k.policy() == io.accessplan.features.ActivationPolicy.KEEP && k.microBatches() == s.microBatches()
                        && k.optimizerOffload() == s.optimizerOffload()) {
                    keep = q;
                    break;
                }
            }
            if (keep != null && !keep.fits()) {
                wholes.add(p);
                keeps.add(keep);
            }
        }
        if (wholes.isEmpty()) {
            return ps;
        }
        int g = wholes.size();
        int[] lo = new int[g];
        int[] hi = new int[g];
        int[] guess = new int[g];
        Prediction[] best = new Prediction[g];
        for (int i = 0; i < g; i++) {
            hi[i] = layers;
            best[i] = wholes.get(i);
            double need0 = keeps.get(i).requiredBytes();
            double needL = wholes.get(i).requiredBytes();
            double cap = wholes.get(i).capacityBytes();
            double at = need0 > needL ? Math.ceil(layers * (need0 - cap) / (need0 - needL)) : layers;
            guess[i] = (int) Math.max(1, Math.min(layers - 1, at));
        }
        // the gallop's step per group: down from hi (< 0), up from lo (> 0), or 0 (bisection)
        int[] step = new int[g];
        for (boolean first = true; ; first = false) {
            List<Strategy> probe = new ArrayList<>();
            List<Integer> owner = new ArrayList<>();
            for (int i = 0; i < g; i++) {
                if (hi[i] - lo[i] <= 1) {
                    continue;
                }
                Strategy whole = wholes.get(i).strategy();
                if (first) {
                    if (guess[i] > 1) {
                        probe.add(whole.withPolicyLayers(guess[i] - 1));
                        owner.add(i);
                    }
                    probe.add(whole.withPolicyLayers(guess[i]));
                } else {
                    int n = step[i] < 0 ? hi[i] + step[i] : step[i] > 0 ? lo[i] + step[i] : (lo[i] + hi[i]) / 2;
                    probe.add(whole.withPolicyLayers(Math.max(lo[i] + 1, Math.min(hi[i] - 1, n))));
                }
                owner.add(i);
            }
            if (probe.isEmpty()) {
                break;
            }
            List<Prediction> got = model.predictAt(w, probe, scored.level());
            int[] fitting = new int[g];
            int[] failing = new int[g];
            for (int k = 0; k < got.size(); k++) {
                int i = owner.get(k);
                Prediction p = got.get(k);
                int n = p.strategy().policyLayers();
                if (p.fits()) {
                    fitting[i]++;
                } else {
                    failing[i]++;
                }
                if (p.fits() && n < hi[i]) {
                    hi[i] = n;
                    best[i] = p;
                } else if (!p.fits() && n > lo[i]) {
                    lo[i] = n;
                }
            }
            for (int i = 0; i < g; i++) {
                lo[i] = Math.min(lo[i], hi[i] - 1);
                if (fitting[i] + failing[i] == 0) {
                    continue;
                }
                if (fitting[i] > 0 && failing[i] > 0) {
                    step[i] = 0;
                } else if (first) {
                    step[i] = fitting[i] > 0 ? -1 : 1;
                } else if ((step[i] < 0 && fitting[i] > 0) || (step[i] > 0 && failing[i] > 0)) {
                    step[i] *= 2;
                } else {
                    step[i] = 0;
                }
            }
        }
        List<Prediction> out = new ArrayList<>(ps.size() + g);
        out.addAll(ps);
        for (int i = 0; i < g; i++) {
            if (best[i] != wholes.get(i)) {
                out.add(best[i]);
            }
        }
        return out;
    }
}
