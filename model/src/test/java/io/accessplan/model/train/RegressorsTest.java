package io.accessplan.model.train;

import io.accessplan.model.StrategyModel;
import io.accessplan.model.TargetTransform;
import org.junit.jupiter.api.Test;
import org.tribuo.Model;
import org.tribuo.common.xgboost.XGBoostTrainer;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.xgboost.XGBoostRegressionTrainer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegressorsTest {

    /** The regressors of every fold of a 3-fold split (absolute time, within-workload time, peak). */
    private static List<Regressors.Job> jobs(EncodedRows d, TrainOptions o) {
        List<Regressors.Job> jobs = new ArrayList<>();
        for (CrossValidation.Fold f : CrossValidation.grouped(d.rows, 3, o.seed())) {
            int[] t = d.usable(f.train(), true);
            int[] p = d.usable(f.train(), false);
            jobs.add(new Regressors.Job(false, StrategyModel.STEP_TIME, d.names, d.features(t),
                    d.target(t, true, TargetTransform.LOG_RATIO), Map.of("fold", f.name())));
            jobs.add(CrossValidation.rankJob(d, t, TargetTransform.LOG_RATIO, Map.of("fold", f.name())));
            jobs.add(new Regressors.Job(false, StrategyModel.PEAK_MEMORY, d.names, d.features(p),
                    d.target(p, false, TargetTransform.LOG_RATIO), Map.of("fold", f.name())));
        }
        return jobs;
    }

    private static double[] predictAll(Model<Regressor> m, EncodedRows d) {
        return Regressors.predict(m, d.names, d.x);
    }

    @Test
    void fitsSideBySideOnOneThreadEachEqualOneAtATimeOnTwoThreadsBitForBit() {
        EncodedRows d = EncodedRows.of(TestModels.rows());
        TrainOptions o = TestModels.options().withRankTrees(40);
        List<Regressors.Job> jobs = jobs(d, o);
        List<Model<Regressor>> parallel = Regressors.fitAll(o, jobs);
        assertEquals(2, o.threads(), "the default options fit two at a time");
        assertEquals(jobs.size(), parallel.size());
        // the first fold's three (two OpenMP threads spin on a loaded machine: the reference fits are the slow part)
        for (int j = 0; j < 3; j++) {
            Regressors.Job job = jobs.get(j);
            // the trainer as it was before fits ran side by side: one at a time, XGBoost on o.threads() threads
            XGBoostOptions x = o.xgboost();
            XGBoostRegressionTrainer twoThreads = new XGBoostRegressionTrainer(XGBoostTrainer.BoosterType.GBTREE,
                    XGBoostTrainer.TreeMethod.HIST, XGBoostRegressionTrainer.RegressionType.LINEAR,
                    job.withinWorkload() ? x.effectiveRankTrees() : x.trees(), x.eta(),
                    0.0, x.maxDepth(), x.minChildWeight(), x.subsample(), x.colsample(), x.lambda(), 0.0, o.threads(),
                    XGBoostTrainer.LoggingVerbosity.SILENT, o.seed());
            Model<Regressor> alone = Regressors.fit(twoThreads, job.target(), job.names(), job.x(), job.y(), job.run());
            assertArrayEquals(predictAll(alone, d), predictAll(parallel.get(j), d), 0.0, "job " + j + " (" + job.target() + ")");
        }
    }

    @Test
    void fitsInTheOrderOfTheJobsWhateverFinishesFirst() {
        EncodedRows d = EncodedRows.of(TestModels.rows());
        TrainOptions o = TestModels.options().withRankTrees(5);
        assertTrue(o.xgboost().trees() >= 40, "the first fit is the longer");
        int[] all = d.usable(IntStream.range(0, d.size()).toArray(), false);
        // a long fit first, a short one second (the within-workload tree count, 5): the short one
        // finishes first but comes back second
        List<Regressors.Job> jobs = List.of(
                new Regressors.Job(false, StrategyModel.PEAK_MEMORY, d.names, d.features(all),
                        d.target(all, false, TargetTransform.LOG_RATIO), Map.of()),
                new Regressors.Job(true, StrategyModel.PEAK_MEMORY, d.names, d.features(all),
                        d.target(all, false, TargetTransform.LOG_RATIO), Map.of()));
        List<Model<Regressor>> m = Regressors.fitAll(o, jobs);
        for (int j = 0; j < 2; j++) {
            Regressors.Job job = jobs.get(j);
            Model<Regressor> alone = Regressors.fit(Regressors.trainer(o, job.withinWorkload()), job.target(), job.names(),
                    job.x(), job.y(), job.run());
            assertArrayEquals(predictAll(alone, d), predictAll(m.get(j), d), 0.0);
        }
    }

    @Test
    void theDirectPathPredictsBitForBitWhatTheTribuoModelPredicts() {
        EncodedRows d = EncodedRows.of(TestModels.rows());
        TrainOptions o = TestModels.options().withRankTrees(40);
        List<Regressors.Job> jobs = jobs(d, o);
        List<CrossValidation.Fold> folds = CrossValidation.grouped(d.rows, 3, o.seed());
        List<List<double[]>> tests = new ArrayList<>();
        for (CrossValidation.Fold f : folds) {
            for (int k = 0; k < 3; k++) {
                tests.add(d.features(f.test()));
            }
        }
        assertTrue(DirectXGBoost.of(Regressors.trainer(o, false), d.names) != null, "xgboost takes the direct path");
        List<double[]> direct = Regressors.fitPredictAll(o, jobs, tests);
        List<Model<Regressor>> tribuo = Regressors.fitAll(o, jobs);
        for (int j = 0; j < jobs.size(); j++) {
            double[] expected = Regressors.predict(tribuo.get(j), d.names, tests.get(j));
            assertArrayEquals(expected, direct.get(j), 0.0, "job " + j + " (" + jobs.get(j).target() + ")");
        }
        // another trainer (cart) has no direct path: fitted and predicted through Tribuo
        TrainOptions cart = o.withTrainer(TrainerKind.CART);
        assertTrue(DirectXGBoost.of(Regressors.trainer(cart, false), d.names) == null);
        List<double[]> viaTribuo = Regressors.fitPredictAll(cart, jobs.subList(0, 1), tests.subList(0, 1));
        assertArrayEquals(Regressors.predict(Regressors.fitAll(cart, jobs.subList(0, 1)).get(0), d.names, tests.get(0)),
                viaTribuo.get(0), 0.0);
    }

    @Test
    void aFailingFitFailsTheRunWithItsOwnError() {
        EncodedRows d = EncodedRows.of(TestModels.rows());
        TrainOptions o = TestModels.options();
        // three rows, one target: the fit itself fails, and fitAll rethrows that very exception
        Regressors.Job bad = new Regressors.Job(false, StrategyModel.PEAK_MEMORY, d.names, d.x.subList(0, 3),
                new double[1], Map.of());
        assertThrows(ArrayIndexOutOfBoundsException.class, () -> Regressors.fitAll(o, List.of(bad, bad)));
    }
}
