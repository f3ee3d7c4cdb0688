import { describe, expect, it } from 'vitest';
import { classifierScores } from '../../activities/model/classifier-metrics.ts';
import { evaluateNearestCentroid, trainTestSplit } from '../../activities/model/classifier.ts';
import { mulberry32 } from '../../activities/model/cluster-metrics.ts';

describe('classifierScores', () => {
  it('computes accuracy and macro-F1 like scikit-learn', () => {
    // sklearn: f1_score([0,0,1,1,2,2], [0,1,1,1,2,0], average='macro') = 0.6555...
    const scores = classifierScores([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0]);
    expect(scores.accuracy).toBeCloseTo(4 / 6, 12);
    expect(scores.macroF1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
  });

  it('counts a predicted label that never occurs as a zero-F1 class', () => {
    expect(classifierScores([0, 0], [0, 5]).macroF1).toBeCloseTo((2 / 3 + 0) / 2, 12);
    expect(() => classifierScores([0], [])).toThrow(/0 predictions/);
  });
});

describe('trainTestSplit', () => {
  it('splits every index once, seeded', () => {
    const { train, test } = trainTestSplit(100, { seed: 3 });
    expect(test).toHaveLength(20);
    expect([...train, ...test].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(trainTestSplit(100, { seed: 3 })).toEqual({ train, test });
    expect(trainTestSplit(100, { seed: 4 }).test).not.toEqual(test);
  });
});

describe('evaluateNearestCentroid', () => {
  const random = mulberry32(11);
  const noise = () => random() - 0.5;
  const centres = [
    [0, 0],
    [8, 0],
    [0, 8],
  ];

  it('scores 1 on separated groups', () => {
    const matrix: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 300; i++) {
      const c = i % 3;
      matrix.push([centres[c]![0]! + noise(), centres[c]![1]! + noise()]);
      labels.push(c);
    }
    const scores = evaluateNearestCentroid(matrix, labels, 3);
    expect(scores).toMatchObject({ accuracy: 1, macroF1: 1, trainSize: 240, testSize: 60 });
  });

  it('scores low when labels do not follow the features', () => {
    const matrix = Array.from({ length: 300 }, () => [noise(), noise()]);
    const labels = matrix.map(() => Math.floor(random() * 3));
    expect(evaluateNearestCentroid(matrix, labels, 3).macroF1).toBeLessThan(0.6);
  });
});
