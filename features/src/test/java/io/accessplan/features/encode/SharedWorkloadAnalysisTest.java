package io.accessplan.features.encode;

import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Family;
import io.accessplan.features.MixedPrecision;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a lookup computes once for all strategies of a workload (the estimator's templates and
 * model state, kept per thread for the workload it last saw; the encoder's workload features,
 * encoded for the first row and copied to the others) gives, field by field, what a fresh
 * analysis and encoding of each strategy gives: over random workloads of every family, precision and device,
 * asked in the orders a lookup asks them (the candidates, then partial-policy probes of the same
 * workload object, or probes first), against an equal workload object that shares nothing.
 */
class SharedWorkloadAnalysisTest {

    /** Random valid workloads, from small MLPs to multi-billion-parameter decoders. */
    static List<Workload> workloads(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<DeviceProfile> devices = new ArrayList<>(DeviceCatalog.builtin().all());
        int[] hidden = {256, 512, 768, 1024, 2048, 4096};
        List<Workload> out = new ArrayList<>();
        while (out.size() < n) {
            Family f = Family.values()[r.nextInt(Family.values().length)];
            int h = hidden[r.nextInt(hidden.length)];
            DeviceProfile d = devices.get(r.nextInt(devices.size()));
            Precision p = Precision.values()[r.nextInt(Precision.values().length)];
            try {
                ModelSpec m = ModelSpec.of(f, 2 + r.nextInt(40), h, f == Family.MLP ? 1 : h / 64);
                TrainingConfig t = new TrainingConfig(128 << r.nextInt(5), 1 << r.nextInt(6), p,
                        r.nextBoolean() ? OptimizerKind.ADAM : OptimizerKind.SGD,
                        r.nextBoolean() ? AttentionKind.FUSED : AttentionKind.NAIVE);
                if (p.mixed() && r.nextInt(4) == 0) {
                    t = t.withMixedPrecision(MixedPrecision.AUTOCAST);
                }
                out.add(new Workload(m, t, d));
            } catch (IllegalArgumentException tooLarge) {
                // beyond the size bounds: draw again
            }
        }
        return out;
    }

    /** A workload equal to {@code w} that is not the same object (so it shares nothing cached for it). */
    static Workload copy(Workload w) {
        return new Workload(w.model(), w.training(), w.device());
    }

    /** Partial-policy strategies of the workload, as the layer search probes them. */
    static List<Strategy> probes(Workload w, SplittableRandom r) {
        List<Strategy> out = new ArrayList<>();
        int layers = w.model().layers();
        for (Strategy s : Strategy.candidates(w)) {
            if (s.policy().partial() && layers > 1 && r.nextInt(3) == 0) {
                out.add(s.withPolicyLayers(1 + r.nextInt(layers - 1)));
            }
        }
        if (out.isEmpty()) {
            out.add(new Strategy(ActivationPolicy.KEEP, 1, false));
        }
        return out;
    }

    @Test
    void theSharedTemplatesGiveWhatAFreshAnalysisOfEachStrategyGives() {
        SplittableRandom r = new SplittableRandom(5);
        int compared = 0;
        for (Workload w : workloads(300, 41)) {
            List<Strategy> cands = Strategy.candidates(w);
            List<Strategy> probes = probes(w, r);
            boolean probesFirst = r.nextBoolean();
            List<Analysis> a;
            List<Analysis> b;
            if (probesFirst) {
                b = Analysis.all(w, probes);
                a = Analysis.all(w, cands);
            } else {
                a = Analysis.all(w, cands);
                b = Analysis.all(w, probes);
            }
            List<Analysis> a2 = Analysis.all(copy(w), cands);
            List<Analysis> b2 = Analysis.all(copy(w), probes);
            assertEquals(a2, a, w.canonical());
            assertEquals(b2, b, w.canonical());
            // one strategy at a time, each from a workload object of its own
            for (int i = 0; i < cands.size(); i++) {
                assertEquals(Analysis.of(copy(w), cands.get(i)), a.get(i), w.canonical() + " " + cands.get(i));
            }
            compared += cands.size() + probes.size();
        }
        assertTrue(compared > 5000, "compared " + compared);
    }

    @Test
    void encodingAWorkloadsRowsTogetherGivesEachRowsOwnEncodingBitForBit() {
        SplittableRandom r = new SplittableRandom(9);
        int rows = 0;
        for (int version : new int[]{FeatureEncoder.SCHEMA_VERSION_4, FeatureEncoder.SCHEMA_VERSION}) {
            FeatureEncoder enc = FeatureEncoder.of(version);
            for (Workload w : workloads(200, 43 + version)) {
                List<Strategy> ss = new ArrayList<>(Strategy.candidates(w));
                ss.addAll(probes(w, r));
                List<Analysis> as = Analysis.all(w, ss);
                double[][] together = new double[as.size()][enc.width()];
                enc.encodeAll(as, together);
                for (int i = 0; i < as.size(); i++) {
                    // bit for bit (Arrays.equals compares doubles by their bits)
                    double[] alone = enc.encode(Analysis.of(copy(w), ss.get(i)));
                    assertTrue(java.util.Arrays.equals(alone, together[i]),
                            w.canonical() + " " + ss.get(i) + ": " + java.util.Arrays.toString(alone) + " vs "
                                    + java.util.Arrays.toString(together[i]));
                    rows++;
                }
            }
        }
        assertTrue(rows > 5000, "compared " + rows);
    }
}
