#include "genreg/io/html_report.h"

#include "genreg/io/atomic_file.h"

namespace genreg {

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

HtmlReport::HtmlReport(std::string title) : title_(std::move(title)) {}

HtmlReport& HtmlReport::heading(const std::string& text, int level) {
  // Built character by character: GCC 12's -Wstringop-overflow misreads `"h" + std::to_string(n)` in
  // C++20 mode (LibTorch 2.x builds), GCC bug 105651.
  const std::string tag{'h', static_cast<char>('0' + std::min(std::max(level, 1), 6))};
  body_ += "<" + tag + ">" + html_escape(text) + "</" + tag + ">\n";
  return *this;
}

HtmlReport& HtmlReport::paragraph(const std::string& text) {
  body_ += "<p>" + html_escape(text) + "</p>\n";
  return *this;
}

HtmlReport& HtmlReport::figure(const std::string& src, const std::string& caption) {
  body_ += "<figure><img src=\"" + html_escape(src) + "\" alt=\"" + html_escape(caption) + "\"><figcaption>" +
           html_escape(caption) + "</figcaption></figure>\n";
  return *this;
}

HtmlReport& HtmlReport::table(const std::vector<std::string>& header,
                              const std::vector<std::vector<std::string>>& rows) {
  body_ += "<table>\n<tr>";
  for (const auto& h : header) body_ += "<th>" + html_escape(h) + "</th>";
  body_ += "</tr>\n";
  for (const auto& row : rows) {
    body_ += "<tr>";
    for (const auto& cell : row) body_ += "<td>" + html_escape(cell) + "</td>";
    body_ += "</tr>\n";
  }
  body_ += "</table>\n";
  return *this;
}

HtmlReport& HtmlReport::link(const std::string& href, const std::string& text) {
  body_ += "<p><a href=\"" + html_escape(href) + "\">" + html_escape(text) + "</a></p>\n";
  return *this;
}

std::string HtmlReport::str() const {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(title_) +
         "</title>\n<style>body{font-family:sans-serif;max-width:72em;margin:2em auto;padding:0 1em}"
         "img{image-rendering:pixelated;max-width:100%}figure{display:inline-block;margin:0 1.5em 1.5em 0;"
         "vertical-align:top}figcaption{font-size:90%;color:#444}table{border-collapse:collapse}"
         "td,th{border:1px solid #bbb;padding:.25em .6em;text-align:right}th{background:#eee}</style>"
         "</head><body>\n<h1>" +
         html_escape(title_) + "</h1>\n" + body_ + "</body></html>\n";
}

void HtmlReport::write(const std::string& path) const { write_file_atomically(path, str()); }

}  // namespace genreg
