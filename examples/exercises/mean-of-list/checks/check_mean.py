# A check runs in its own container after the student's program. It sees what the program
# produced, read-only, under /submission (output/, stdout.txt, stderr.txt, result.json), this
# test's fixtures under /fixtures, and the test's input in /input/data.json. It prints one JSON
# object: {"score": a number from 0 to 1, "message": "what the student reads"}.
import json
import math

expected = json.load(open('/fixtures/expected_mean_5.json'))['mean']
score = 0.0
notes = []

try:
    result = json.load(open('/submission/result.json'))
    mean = result.get('mean') if isinstance(result, dict) else None
    if isinstance(mean, (int, float)) and math.isclose(mean, expected, abs_tol=1e-9):
        score += 0.5
    else:
        notes.append(f'result.json has mean {mean!r}, expected {expected}')
except FileNotFoundError:
    notes.append('the program wrote no result.json')
except ValueError:
    notes.append('result.json is not valid JSON')

printed = open('/submission/stdout.txt').read()
if any(s in printed for s in (str(expected), str(float(expected)))):
    score += 0.5
else:
    notes.append('the mean was not printed')

print(json.dumps({'score': score, 'message': '; '.join(notes) or 'Well done.'}))
