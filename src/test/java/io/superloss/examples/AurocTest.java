package io.superloss.examples;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AurocTest {
    private static final boolean T = true;
    private static final boolean F = false;

    @Test
    void handDerivedValues() {
        // Positives 0.35 and 0.8, negatives 0.1 and 0.4: 3 of the 4 pairs are ordered, AUROC 3/4.
        assertEquals(0.75, Auroc.of(new double[]{0.1, 0.4, 0.35, 0.8}, new boolean[]{F, F, T, T}), 0.0);
        assertEquals(1.0, Auroc.of(new double[]{0.0, 1.0, 2.0, 3.0}, new boolean[]{F, F, T, T}), 0.0);
        assertEquals(0.0, Auroc.of(new double[]{3.0, 2.0, 1.0, 0.0}, new boolean[]{F, F, T, T}), 0.0);
    }

    @Test
    void tiesCountOneHalf() {
        // The positive (1) ties one negative (1: half a pair) and loses to the other (2): 0.5 / 2.
        assertEquals(0.25, Auroc.of(new double[]{1, 1, 2}, new boolean[]{T, F, F}), 0.0);
        // Everything tied: every pair counts one half.
        assertEquals(0.5, Auroc.of(new double[]{4, 4, 4, 4, 4}, new boolean[]{T, F, T, F, F}), 0.0);
        // Pairs: (p2 vs n1) 1, (p2 vs n2 tie) 0.5, (p5 vs n1) 1, (p5 vs n2) 1 -> 3.5 / 4.
        assertEquals(0.875, Auroc.of(new double[]{1, 2, 2, 5}, new boolean[]{F, T, F, T}), 0.0);
    }

    @Test
    void matchesPairCountingOnRandomTiedScores() {
        Random random = new Random(11);
        for (int trial = 0; trial < 20; trial++) {
            int n = 2 + random.nextInt(300);
            double[] scores = new double[n];
            boolean[] positive = new boolean[n];
            positive[0] = true;
            for (int i = 0; i < n; i++) {
                scores[i] = random.nextInt(12) / 4.0; // few distinct values: many ties
                positive[i] = i == 0 || (i > 1 && random.nextDouble() < 0.3);
            }
            double pairs = 0.0;
            double wins = 0.0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (positive[i] && !positive[j]) {
                        pairs++;
                        wins += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
                    }
                }
            }
            // Both sums are exact in double (multiples of 0.5 below 2^53); only the final divisions round.
            assertEquals(wins / pairs, Auroc.of(scores, positive), 1e-15, "trial " + trial);
        }
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> Auroc.of(new double[]{1, 2}, new boolean[]{T, T}));
        assertThrows(IllegalArgumentException.class, () -> Auroc.of(new double[]{1, 2}, new boolean[]{F, F}));
        assertThrows(IllegalArgumentException.class, () -> Auroc.of(new double[]{1}, new boolean[]{T, F}));
        assertThrows(IllegalArgumentException.class, () -> Auroc.of(new double[]{Double.NaN, 2}, new boolean[]{T, F}));
    }
}
