# Roadmaps, sections, activities and progress reports live here.
