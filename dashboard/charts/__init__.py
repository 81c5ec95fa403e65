"""The dashboard's charts, as pure builders: a query's frame in, a Plotly figure out, nothing read from
anywhere else, and no Streamlit, so they can be tested directly (AppTest sees a chart only as an opaque
element).

`style` is the shared look and words (palette, labels, formatters, the title-and-subtitle frame every
chart gets); every other module holds the charts of one page of `dashboard/views/`, named after it.
"""
