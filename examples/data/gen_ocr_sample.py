# Renders the text image examples/ocr.js reads (examples/data/ocr-sample.png), with PIL and the
# DejaVu Sans font Debian ships. Run: /usr/bin/python3 examples/data/gen_ocr_sample.py
import os
from PIL import Image, ImageDraw, ImageFont

LINES = ['tapeflow reads text', 'PaddleOCR on ONNX 2026', 'Hello, world!']
font = ImageFont.truetype('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', 30)
img = Image.new('RGB', (480, 200), 'white')
d = ImageDraw.Draw(img)
for i, line in enumerate(LINES):
    d.text((24, 20 + 60 * i), line, fill=(20, 20, 20), font=font)
img.convert('L').save(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ocr-sample.png'), optimize=True)
print('\n'.join(LINES))
