import { z } from 'zod';

/**
 * Input errors in plain words. The API puts the field's path in front ("amount must be greater
 * than 0"), so a message here is the predicate alone. Messages a schema sets itself take precedence.
 */
z.config({
  customError(issue) {
    switch (issue.code) {
      case 'invalid_type':
        if (issue.input === undefined) return 'is required';
        return issue.expected === 'int' ? 'must be an integer' : `must be ${withArticle(issue.expected)}`;
      case 'too_small':
        if (issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
        return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${issue.minimum}${unit(issue.origin)}`;
      case 'too_big':
        return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}${unit(issue.origin)}`;
      case 'invalid_value':
        return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      case 'invalid_format':
        return `must be a valid ${issue.format}`;
      case 'unrecognized_keys':
        return `has unknown fields: ${issue.keys.join(', ')}`;
      default:
        return undefined;
    }
  },
});

function unit(origin: string): string {
  if (origin === 'string') return ' characters';
  if (origin === 'array') return ' items';
  return '';
}

function withArticle(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
